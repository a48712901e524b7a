from odoo import fields, models

from .crm_standard_kpi import KPI_STATUSES, PERIODS


class CrmStandardKpiValue(models.Model):
    """The value of a KPI over one period (history for trends), written by
    the daily KPI scheduled action: one row per KPI and period start,
    updated while the period runs."""

    _name = "crm.standard.kpi.value"
    _description = "CRM KPI Value"
    _order = "date_from desc, kpi_id"
    _rec_name = "kpi_id"

    kpi_id = fields.Many2one(
        "crm.standard.kpi", "KPI", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    measure = fields.Selection(related="kpi_id.measure", store=True)
    period = fields.Selection(PERIODS, readonly=True)
    scope = fields.Selection(related="kpi_id.scope", store=True)
    user_id = fields.Many2one(related="kpi_id.user_id", store=True)
    team_id = fields.Many2one(related="kpi_id.team_id", store=True)
    date_from = fields.Date("From", required=True, readonly=True)
    date_to = fields.Date("To", required=True, readonly=True)
    value = fields.Float(readonly=True, aggregator="avg")
    target_value = fields.Float("Target", readonly=True, aggregator="avg")
    status = fields.Selection(KPI_STATUSES, readonly=True)

    _sql_constraints = [
        (
            "kpi_date_uniq",
            "unique(kpi_id, date_from)",
            "A KPI has one value per period: KPI and From must be unique.",
        )
    ]

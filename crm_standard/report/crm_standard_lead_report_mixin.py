from odoo import fields, models

from ..models.crm_standard_grade_matrix import GRADES
from ..tools import create_report_view


class CrmStandardLeadReportMixin(models.AbstractModel):
    """What the lead reports (funnel, conversion) share: the lead, who works
    it, where it comes from, its customer and grade; and the SQL view made of
    the report's ``_query()``."""

    _name = "crm.standard.lead.report.mixin"
    _description = "Lead Report Dimensions"

    lead_id = fields.Many2one("crm.lead", string="Lead/Opportunity", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    customer_grade = fields.Selection(GRADES, readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    expected_revenue = fields.Monetary(
        currency_field="currency_id", readonly=True, aggregator="sum"
    )
    currency_id = fields.Many2one(related="company_id.currency_id", readonly=True)

    def _query(self):
        """The report's SELECT (an ``odoo.tools.SQL``); extension point."""
        raise NotImplementedError

    def init(self):
        if not self._abstract:
            create_report_view(self.env.cr, self._table, self._query())

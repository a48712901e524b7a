from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import AccessError

# digest KPI field -> (KPI measure, groups reading it company-wide, groups
# reading it for their own documents)
DIGEST_MEASURES = {
    "kpi_crm_standard_completeness": (
        "completeness_avg",
        "sales_team.group_sale_salesman_all_leads",
        "sales_team.group_sale_salesman",
    ),
    "kpi_crm_standard_conversion": (
        "lead_conversion",
        "sales_team.group_sale_salesman_all_leads",
        "sales_team.group_sale_salesman",
    ),
    "kpi_crm_standard_lead_response": (
        "lead_first_response",
        "sales_team.group_sale_salesman_all_leads",
        "sales_team.group_sale_salesman",
    ),
    "kpi_crm_standard_at_risk": (
        "at_risk_share",
        "sales_team.group_sale_salesman_all_leads",
        "sales_team.group_sale_salesman",
    ),
    "kpi_crm_standard_ticket_response": (
        "ticket_first_response",
        "crm_standard.group_crm_standard_service_manager",
        "crm_standard.group_crm_standard_service_agent",
    ),
    "kpi_crm_standard_sla": (
        "sla_compliance",
        "crm_standard.group_crm_standard_service_manager",
        "crm_standard.group_crm_standard_service_agent",
    ),
    "kpi_crm_standard_satisfaction": (
        "satisfaction",
        "crm_standard.group_crm_standard_service_manager",
        "crm_standard.group_crm_standard_service_agent",
    ),
}


class DigestDigest(models.Model):
    """The CRM Standard KPIs in Odoo's periodic digest e-mail, as crm adds
    its own: a recipient with all documents (sales) or a service manager
    reads the company's figure; a salesperson or an agent reads the figure
    of their own documents (the KPI scope Salesperson); others skip it."""

    _inherit = "digest.digest"

    kpi_crm_standard_completeness = fields.Boolean("Customer Data Completeness (%)")
    kpi_crm_standard_completeness_value = fields.Float(
        compute="_compute_kpi_crm_standard_completeness_value"
    )
    kpi_crm_standard_conversion = fields.Boolean("Lead Conversion Rate (%)")
    kpi_crm_standard_conversion_value = fields.Float(
        compute="_compute_kpi_crm_standard_conversion_value"
    )
    kpi_crm_standard_lead_response = fields.Boolean("Lead First Response (h)")
    kpi_crm_standard_lead_response_value = fields.Float(
        compute="_compute_kpi_crm_standard_lead_response_value"
    )
    kpi_crm_standard_at_risk = fields.Boolean("Customers at Risk (%)")
    kpi_crm_standard_at_risk_value = fields.Float(compute="_compute_kpi_crm_standard_at_risk_value")
    kpi_crm_standard_ticket_response = fields.Boolean("Ticket First Response (working h)")
    kpi_crm_standard_ticket_response_value = fields.Float(
        compute="_compute_kpi_crm_standard_ticket_response_value"
    )
    kpi_crm_standard_sla = fields.Boolean("SLA Compliance (%)")
    kpi_crm_standard_sla_value = fields.Float(compute="_compute_kpi_crm_standard_sla_value")
    kpi_crm_standard_satisfaction = fields.Boolean("Average Satisfaction (1-5)")
    kpi_crm_standard_satisfaction_value = fields.Float(
        compute="_compute_kpi_crm_standard_satisfaction_value"
    )

    def _compute_kpi_crm_standard_completeness_value(self):
        self._crm_standard_kpi_value("kpi_crm_standard_completeness")

    def _compute_kpi_crm_standard_conversion_value(self):
        self._crm_standard_kpi_value("kpi_crm_standard_conversion")

    def _compute_kpi_crm_standard_lead_response_value(self):
        self._crm_standard_kpi_value("kpi_crm_standard_lead_response")

    def _compute_kpi_crm_standard_at_risk_value(self):
        self._crm_standard_kpi_value("kpi_crm_standard_at_risk")

    def _compute_kpi_crm_standard_ticket_response_value(self):
        self._crm_standard_kpi_value("kpi_crm_standard_ticket_response")

    def _compute_kpi_crm_standard_sla_value(self):
        self._crm_standard_kpi_value("kpi_crm_standard_sla")

    def _compute_kpi_crm_standard_satisfaction_value(self):
        self._crm_standard_kpi_value("kpi_crm_standard_satisfaction")

    def _crm_standard_kpi_value(self, kpi_field):
        """The digest's figure ``kpi_field`` over its timeframe, through the
        KPI measure (one query for all the digests of ``self``)."""
        measure, all_group, own_group = DIGEST_MEASURES[kpi_field]
        user = self.env.user
        if user.has_group(all_group):
            scope = "company"
        elif user.has_group(own_group):
            scope = "user"
        else:
            raise AccessError(
                self.env._("Do not have access, skip this data for user's digest email")
            )
        start, end, __ = self._get_kpi_compute_parameters()
        date_from = fields.Datetime.to_datetime(start).date()
        date_to = (fields.Datetime.to_datetime(end) - timedelta(seconds=1)).date()
        Kpi = self.env["crm.standard.kpi"].sudo()
        kpis = {
            digest: Kpi.new(
                {
                    "measure": measure,
                    "scope": scope,
                    "company_id": (digest.company_id or self.env.company).id,
                    "user_id": user.id,
                }
            )
            for digest in self
        }
        values = Kpi.concat(*kpis.values())._crm_kpi_compute(date_from, date_to)
        for digest, kpi in kpis.items():
            digest[f"{kpi_field}_value"] = values.get(kpi.id) or 0.0

    def _compute_kpis_actions(self, company, user):
        res = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("crm.crm_menu_root").id
        for kpi_field in DIGEST_MEASURES:
            res[kpi_field] = f"crm_standard.crm_standard_kpi_action&menu_id={menu}"
        return res

from odoo import api, fields, models

from .crm_standard_grade_matrix import GRADES


class CrmStandardTicketSla(models.Model):
    """Service priority follows the customer: an SLA policy can match the customer's grade."""

    _inherit = "crm.standard.ticket.sla"

    customer_grade = fields.Selection(
        GRADES,
        tracking=True,
        help="Apply to the tickets of customers of this grade only; leave empty for every grade.",
    )

    def _crm_match_score(self, ticket):
        score = super()._crm_match_score(ticket)
        if score < 0 or not self.customer_grade:
            return score
        if ticket.commercial_partner_id.customer_grade != self.customer_grade:
            return -1
        return score + 1


class CrmStandardTicket(models.Model):
    _inherit = "crm.standard.ticket"

    crm_customer_at_risk = fields.Boolean(
        "Customer at Risk",
        compute="_compute_crm_customer_at_risk",
        help="The customer's health band is 'At Risk' (needs the customer health score; "
        "always off without it).",
    )

    @api.depends("commercial_partner_id.customer_grade")
    def _compute_sla_id(self):
        return super()._compute_sla_id()

    @api.depends("commercial_partner_id")
    def _compute_crm_customer_at_risk(self):
        # the health score is another feature: read its band only when it is installed
        has_health = "crm_health_band" in self.env["res.partner"]._fields
        for ticket in self:
            ticket.crm_customer_at_risk = (
                has_health and ticket.commercial_partner_id.crm_health_band == "at_risk"
            )

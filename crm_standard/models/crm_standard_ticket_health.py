from odoo import fields, models

from ..tools.partner import CRM_SENSITIVE_GROUPS


class CrmStandardTicket(models.Model):
    _inherit = "crm.standard.ticket"

    # service sees the customer's churn risk on the ticket (banner)
    crm_health_band = fields.Selection(
        related="commercial_partner_id.crm_health_band",
        string="Customer Health",
        groups=CRM_SENSITIVE_GROUPS,
    )

"""The customer's health band next to its grade where opportunities are worked."""

from odoo import fields, models

from ..tools.partner import CRM_SENSITIVE_GROUPS


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_customer_health_band = fields.Selection(
        related="partner_id.commercial_partner_id.crm_health_band",
        string="Customer Health",
        groups=CRM_SENSITIVE_GROUPS,
    )

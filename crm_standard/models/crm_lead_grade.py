"""The customer's grade where opportunities are worked: pipeline cards, list, form."""

from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_customer_grade = fields.Selection(
        related="partner_id.commercial_partner_id.customer_grade",
        string="Customer Grade",
        help="Grade (S, A, B, C) of the customer: it tells the priority of the opportunity.",
    )

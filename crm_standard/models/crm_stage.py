from odoo import fields, models


class CrmStage(models.Model):
    _inherit = "crm.stage"

    crm_require_confirmed_needs = fields.Boolean(
        "Requires Confirmed Needs",
        help="An opportunity reaches this stage (the proposal stage) only when "
        "each of its rigid needs is confirmed by the customer; the company "
        "switch 'Confirmed Needs Before the Proposal' turns the rule off.",
    )

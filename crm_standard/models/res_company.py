from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    def _default_crm_required_field_ids(self):
        return (
            self.env["ir.model.fields"]
            .sudo()
            .search(
                [
                    ("model", "=", "res.partner"),
                    ("name", "in", ("name", "industry_id")),
                ]
            )
        )

    crm_required_field_ids = fields.Many2many(
        "ir.model.fields",
        "res_company_crm_required_field_rel",
        "company_id",
        "field_id",
        string="Required Customer Fields",
        domain="[('model', '=', 'res.partner'), ('store', '=', True)]",
        default=_default_crm_required_field_ids,
        help="Key fields a customer must have before it is made a customer "
        "(and, in strict mode, whenever it is saved).",
    )
    crm_require_contact_channel = fields.Boolean(
        string="Require Phone or E-mail",
        default=True,
        help="A customer needs a phone number or an e-mail address, "
        "on itself or on one of its contacts.",
    )
    crm_strict_required_fields = fields.Boolean(
        string="Enforce Required Fields on Save",
        help="When set, saving a customer that lacks a required field fails. "
        "Otherwise only 'Make Customer' checks them, and the form shows "
        "what is missing.",
    )
    crm_validate_formats = fields.Boolean(
        string="Validate E-mail and Phone Formats",
        default=True,
        help="Reject malformed e-mail addresses and phone numbers on customers and their contacts.",
    )
    crm_churn_months = fields.Integer(
        string="Churn After (Months)",
        default=18,
        help="A customer with won deals, no open opportunity and no deal won "
        "for this many months is considered churned. 0 disables the rule.",
    )

    @api.constrains("crm_churn_months")
    def _check_crm_churn_months(self):
        for company in self:
            if company.crm_churn_months < 0:
                raise ValidationError(
                    self.env._(
                        "Churn After (Months): the number of months cannot be "
                        "negative (got %(value)s).",
                        value=company.crm_churn_months,
                    )
                )

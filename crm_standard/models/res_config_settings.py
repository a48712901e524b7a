from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_required_field_ids = fields.Many2many(
        related="company_id.crm_required_field_ids", readonly=False
    )
    crm_require_contact_channel = fields.Boolean(
        related="company_id.crm_require_contact_channel", readonly=False
    )
    crm_strict_required_fields = fields.Boolean(
        related="company_id.crm_strict_required_fields", readonly=False
    )
    crm_validate_formats = fields.Boolean(related="company_id.crm_validate_formats", readonly=False)
    crm_churn_months = fields.Integer(related="company_id.crm_churn_months", readonly=False)
    crm_pool_enabled = fields.Boolean(related="company_id.crm_pool_enabled", readonly=False)
    crm_pool_days = fields.Integer(related="company_id.crm_pool_days", readonly=False)
    crm_pool_claim_limit = fields.Integer(related="company_id.crm_pool_claim_limit", readonly=False)
    crm_pool_claim_period = fields.Selection(
        related="company_id.crm_pool_claim_period", readonly=False
    )

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_need_stage_rule = fields.Boolean(related="company_id.crm_need_stage_rule", readonly=False)
    crm_proposal_revision_limit = fields.Integer(
        related="company_id.crm_proposal_revision_limit", readonly=False
    )
    crm_proposal_accept_wins = fields.Boolean(
        related="company_id.crm_proposal_accept_wins", readonly=False
    )
    crm_greeting_enabled = fields.Boolean(related="company_id.crm_greeting_enabled", readonly=False)
    crm_greeting_days_before = fields.Integer(
        related="company_id.crm_greeting_days_before", readonly=False
    )
    crm_greeting_mode = fields.Selection(related="company_id.crm_greeting_mode", readonly=False)
    crm_greeting_template_id = fields.Many2one(
        related="company_id.crm_greeting_template_id", readonly=False
    )

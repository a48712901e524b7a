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
    crm_company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="CRM Company Currency"
    )
    crm_grade_value_high = fields.Monetary(
        related="company_id.crm_grade_value_high",
        readonly=False,
        currency_field="crm_company_currency_id",
    )
    crm_grade_value_medium = fields.Monetary(
        related="company_id.crm_grade_value_medium",
        readonly=False,
        currency_field="crm_company_currency_id",
    )
    crm_grade_growth_high = fields.Float(related="company_id.crm_grade_growth_high", readonly=False)
    crm_grade_growth_medium = fields.Float(
        related="company_id.crm_grade_growth_medium", readonly=False
    )
    crm_grade_potential_rule = fields.Selection(
        related="company_id.crm_grade_potential_rule", readonly=False
    )

    crm_ticket_feedback_days = fields.Integer(
        related="company_id.crm_ticket_feedback_days", readonly=False
    )

    crm_followup_overdue_days = fields.Integer(
        related="company_id.crm_followup_overdue_days", readonly=False
    )
    crm_followup_propose_on = fields.Selection(
        related="company_id.crm_followup_propose_on", readonly=False
    )
    crm_followup_propose_on_stage = fields.Boolean(
        related="company_id.crm_followup_propose_on_stage", readonly=False
    )

    def action_crm_recompute_grades(self):
        """Run the grading scheduled action as soon as possible, in the background."""
        # sales managers only: a company-wide regrade (the settings' RPC is open)
        self.env["res.partner"]._crm_check_grade_manager()
        self.env.ref("crm_standard.ir_cron_crm_standard_grading").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "The grades of all customers are being recomputed in the background."
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

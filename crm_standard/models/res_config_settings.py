from odoo import api, fields, models

from .res_partner_health import HEALTH_SETTINGS


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

    # -- customer health: written in one go (the weights must sum to 100 and
    # the thresholds stay ordered, which field-by-field writes would break)
    crm_health_weight_recency = fields.Integer("Contact Recency")
    crm_health_weight_business = fields.Integer("Business")
    crm_health_weight_service = fields.Integer("Service")
    crm_health_weight_satisfaction = fields.Integer("Satisfaction")
    crm_health_weight_discipline = fields.Integer("Follow-up Discipline")
    crm_health_healthy_from = fields.Integer("Healthy From")
    crm_health_risk_below = fields.Integer("At Risk Below")
    crm_health_new_days = fields.Integer("New Customer For (Days)")
    crm_health_cooldown_days = fields.Integer("Retention Cooldown (Days)")
    crm_health_weight_total = fields.Integer("Total Weight", compute="_compute_crm_health_preview")
    crm_health_preview = fields.Html(
        "Band Preview", compute="_compute_crm_health_preview", sanitize=False
    )

    @api.model
    def _crm_health_setting_fields(self):
        return list(HEALTH_SETTINGS)

    @api.model
    def get_values(self):
        res = super().get_values()
        company = self.env.company
        res.update({name: company[name] for name in self._crm_health_setting_fields()})
        return res

    def set_values(self):
        res = super().set_values()
        vals = {
            name: self[name]
            for name in self._crm_health_setting_fields()
            if self[name] != self.company_id[name]
        }
        if vals:
            self.company_id.write(vals)
        return res

    @api.depends("company_id", *HEALTH_SETTINGS)
    def _compute_crm_health_preview(self):
        for settings in self:
            weights = {
                name: settings[f"crm_health_weight_{name}"]
                for name in self.env["res.partner"]._crm_health_factors()
                if f"crm_health_weight_{name}" in settings._fields
            }
            settings.crm_health_weight_total = sum(weights.values())
            counts, current = self.env["res.partner"]._crm_health_preview_counts(
                settings.company_id,
                weights,
                settings.crm_health_healthy_from,
                settings.crm_health_risk_below,
            )
            settings.crm_health_preview = self.env["ir.qweb"]._render(
                "crm_standard.crm_health_settings_preview",
                {"counts": counts, "current": current, "total": sum(weights.values())},
            )

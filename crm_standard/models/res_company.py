from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_partner_health import HEALTH_SETTINGS


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
        help="When set, saving a change to a customer that lacks a required field "
        "fails; updates made by the system (a won opportunity, the public pool) "
        "are not blocked. Otherwise only 'Make Customer' checks them, and the "
        "form shows what is missing.",
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

    # -- public pool (公海) --------------------------------------------------
    crm_pool_enabled = fields.Boolean(
        string="Public Pool",
        help="Customers nobody works are released from their salesperson into "
        "the public pool, where every salesperson sees them and can claim them.",
    )
    crm_pool_days = fields.Integer(
        string="Release After (Days)",
        default=90,
        help="A customer with no won deal, no activity done and no open "
        "opportunity for this many days goes back to the public pool.",
    )
    crm_pool_claim_limit = fields.Integer(
        string="Claims per Period",
        default=20,
        help="How many pool customers one salesperson may claim per period (0: no limit).",
    )
    crm_pool_claim_period = fields.Selection(
        [("day", "Day"), ("week", "Week"), ("month", "Month")],
        string="Claim Period",
        default="month",
        required=True,
    )

    @api.constrains("crm_pool_days", "crm_pool_claim_limit")
    def _check_crm_pool_numbers(self):
        for company in self:
            if company.crm_pool_days < 1:
                raise ValidationError(
                    self.env._(
                        "Release After (Days): the public pool needs at least one day "
                        "(got %(value)s).",
                        value=company.crm_pool_days,
                    )
                )
            if company.crm_pool_claim_limit < 0:
                raise ValidationError(
                    self.env._(
                        "Claims per Period: the limit cannot be negative (got %(value)s).",
                        value=company.crm_pool_claim_limit,
                    )
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

    # -- customer grading (客户分级) ----------------------------------------
    crm_grade_value_high = fields.Monetary(
        string="High Value Above",
        currency_field="currency_id",
        default=500000.0,
        help="Revenue of the last 12 months above this amount: high value.",
    )
    crm_grade_value_medium = fields.Monetary(
        string="Medium Value From",
        currency_field="currency_id",
        default=100000.0,
        help="Revenue of the last 12 months from this amount up to the high "
        "threshold (both included): medium value; below it: low value.",
    )
    crm_grade_growth_high = fields.Float(
        string="High Growth Above (%)",
        default=15.0,
        help="Industry growth rate above this percentage: high growth.",
    )
    crm_grade_growth_medium = fields.Float(
        string="Medium Growth From (%)",
        default=5.0,
        help="Industry growth rate from this percentage up to the high threshold: "
        "medium growth; below it: low growth.",
    )
    crm_grade_potential_rule = fields.Selection(
        [
            ("average", "Average of both, rounded down"),
            ("min", "The weaker of both"),
            ("max", "The stronger of both"),
            ("growth", "Industry growth only"),
            ("needs", "Needs match only"),
        ],
        string="Potential Rule",
        default="average",
        required=True,
        help="How the industry growth level and the needs match combine into "
        "the potential level. A missing input is ignored (only the other one "
        "counts); with neither, the potential is low.",
    )

    @api.constrains(
        "crm_grade_value_high",
        "crm_grade_value_medium",
        "crm_grade_growth_high",
        "crm_grade_growth_medium",
    )
    def _check_crm_grade_thresholds(self):
        for company in self:
            if company.crm_grade_value_medium < 0:
                raise ValidationError(
                    self.env._(
                        "Medium Value From: the threshold cannot be negative (got %(value)s).",
                        value=company.crm_grade_value_medium,
                    )
                )
            if company.crm_grade_value_high < company.crm_grade_value_medium:
                raise ValidationError(
                    self.env._(
                        "High Value Above (%(high)s) must be at least Medium Value From "
                        "(%(medium)s).",
                        high=company.crm_grade_value_high,
                        medium=company.crm_grade_value_medium,
                    )
                )
            if company.crm_grade_growth_high < company.crm_grade_growth_medium:
                raise ValidationError(
                    self.env._(
                        "High Growth Above (%(high)s %%) must be at least Medium Growth "
                        "From (%(medium)s %%).",
                        high=company.crm_grade_growth_high,
                        medium=company.crm_grade_growth_medium,
                    )
                )

    # -- service tickets (工单) ------------------------------------------------
    crm_ticket_feedback_days = fields.Integer(
        string="Feedback Request After (Days)",
        default=30,
        help="Days after a ticket is solved (service delivered) when the customer "
        "gets the feedback form. 0 disables the feedback requests.",
    )

    @api.constrains("crm_ticket_feedback_days")
    def _check_crm_ticket_feedback_days(self):
        for company in self:
            if company.crm_ticket_feedback_days < 0:
                raise ValidationError(
                    self.env._(
                        "Feedback Request After (Days): the delay cannot be negative "
                        "(got %(value)s).",
                        value=company.crm_ticket_feedback_days,
                    )
                )

    # -- follow-up plans (跟进计划) ------------------------------------------
    crm_followup_overdue_days = fields.Integer(
        "Follow-up Overdue After (Days)",
        default=3,
        help="Follow-up reminders still open this many days after their deadline "
        "are reported to the plan's approving manager (one digest per manager).",
    )
    crm_followup_propose_on = fields.Selection(
        [
            ("all", "Every grade change"),
            ("upgrade", "Upgrades only"),
            ("upgrade_sa", "Upgrades to S or A only"),
            ("none", "Never (plans are made by hand)"),
        ],
        string="Propose Plans On",
        default="all",
        required=True,
        help="Which grade changes of a customer propose a draft follow-up plan from the "
        "template of the new grade (its open plans are closed). A first grade counts as "
        "an upgrade.",
    )
    crm_followup_propose_on_stage = fields.Boolean(
        string="Propose Plans on Lifecycle Changes",
        default=True,
        help="A change of a customer's lifecycle stage proposes the plan of the template "
        "naming the new stage (e.g. a repeat buyer's loyalty revisits), or the grade's "
        "template when the customer leaves a stage-specific plan; once per template.",
    )

    # -- customer health (客户健康度) ----------------------------------------
    # weights of the health factors, in points out of 100 (see res_partner_health)
    crm_health_weight_recency = fields.Integer("Contact Recency Weight", default=30)
    crm_health_weight_business = fields.Integer("Business Weight", default=20)
    crm_health_weight_service = fields.Integer("Service Weight", default=20)
    crm_health_weight_satisfaction = fields.Integer("Satisfaction Weight", default=15)
    crm_health_weight_discipline = fields.Integer("Follow-up Discipline Weight", default=15)
    crm_health_healthy_from = fields.Integer(
        "Healthy From", default=70, help="A score from this value on is healthy."
    )
    crm_health_risk_below = fields.Integer(
        "At Risk Below",
        default=40,
        help="A score below this value is at risk; between both thresholds: watch.",
    )
    crm_health_new_days = fields.Integer(
        "New Customer For (Days)",
        default=30,
        help="Customers created fewer days ago are new: not scored yet.",
    )
    crm_health_cooldown_days = fields.Integer(
        "Retention Cooldown (Days)",
        default=60,
        help="No new retention plan for this many days after one ends.",
    )

    @api.constrains(*HEALTH_SETTINGS)
    def _check_crm_health_settings(self):
        for company in self:
            weights = self.env["res.partner"]._crm_health_weights(company)
            negative = [name for name, weight in weights.items() if weight < 0]
            if negative or sum(weights.values()) != 100:
                raise ValidationError(
                    self.env._(
                        "Health Factor Weights: the weights must be positive or zero and sum "
                        "to 100 (got %(weights)s, total %(total)s).",
                        weights=", ".join(f"{name} {weight}" for name, weight in weights.items()),
                        total=sum(weights.values()),
                    )
                )
            if not 0 < company.crm_health_risk_below <= company.crm_health_healthy_from <= 100:
                raise ValidationError(
                    self.env._(
                        "Health Bands: need 0 < At Risk Below (%(risk)s) <= Healthy From "
                        "(%(healthy)s) <= 100.",
                        risk=company.crm_health_risk_below,
                        healthy=company.crm_health_healthy_from,
                    )
                )
            if company.crm_health_new_days < 0 or company.crm_health_cooldown_days < 0:
                raise ValidationError(
                    self.env._(
                        "New Customer For / Retention Cooldown (Days): the number of days "
                        "cannot be negative (got %(new)s and %(cooldown)s).",
                        new=company.crm_health_new_days,
                        cooldown=company.crm_health_cooldown_days,
                    )
                )

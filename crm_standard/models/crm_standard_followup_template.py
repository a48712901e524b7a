from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools import column_values
from ..tools.partner import LIFECYCLE_STAGES
from .crm_standard_grade_matrix import GRADES

TOUCH_PERIODS = [("week", "Week"), ("month", "Month"), ("quarter", "Quarter")]


class CrmStandardFollowupTemplate(models.Model):
    """Follow-up plan template (跟进计划模板) of a customer grade.

    Built on Odoo's activity plans by delegation: every template *is* a
    ``mail.activity.plan`` on ``res.partner`` (name, company, active, its
    activities), so its steps can also be launched by hand from the chatter's
    "Plan" button. What activity plans lack is added here: the grade (and
    optional lifecycle stage) it applies to, the cadence of each step, the
    dedicated account manager and the touch limit per customer and period.
    """

    _name = "crm.standard.followup.template"
    _inherits = {"mail.activity.plan": "activity_plan_id"}
    _inherit = ["mail.thread"]
    _description = "Follow-up Plan Template"
    _order = "sequence, grade, id"

    activity_plan_id = fields.Many2one(
        "mail.activity.plan",
        required=True,
        ondelete="cascade",
        auto_join=True,
        index=True,
    )
    sequence = fields.Integer(default=10)
    grade = fields.Selection(
        GRADES,
        "Customer Grade",
        tracking=True,
        index=True,
        help="Customers of this grade get a plan from this template when they get the grade.",
    )
    crm_retention = fields.Boolean(
        "Retention",
        tracking=True,
        help="A retention template: plans from it are proposed to customers entering "
        "'at risk' (customer health), not by grade.",
    )
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        tracking=True,
        help="Restrict the template to customers in this stage; a template for "
        "the stage wins over one without.",
    )
    step_ids = fields.One2many(
        "crm.standard.followup.template.step", "template_id", "Steps", copy=True
    )
    dedicated_account_manager = fields.Boolean(
        tracking=True,
        help="Plans need a dedicated account manager (专属客户经理) before they can be submitted.",
    )
    touch_limit = fields.Integer(
        default=0,
        tracking=True,
        help="At most this many follow-up reminders per customer and period "
        "(avoid over-disturbing); further steps are postponed to the next "
        "period. 0: no limit.",
    )
    touch_period = fields.Selection(TOUCH_PERIODS, default="month", required=True, tracking=True)
    description = fields.Html(translate=True)
    plan_count = fields.Integer(compute="_compute_plan_count")

    _sql_constraints = [
        (
            "touch_limit_positive",
            "CHECK(touch_limit >= 0)",
            "Touch Limit: the limit cannot be negative.",
        ),
    ]

    def _compute_plan_count(self):
        counts = dict(
            self.env["crm.standard.followup.plan"]._read_group(
                [("template_id", "in", self.ids)], ["template_id"], ["__count"]
            )
        )
        for template in self:
            template.plan_count = counts.get(template._origin, 0)

    @api.constrains("grade", "crm_retention")
    def _check_grade(self):
        for template in self:
            if not template.grade and not template.crm_retention:
                raise ValidationError(
                    self.env._(
                        "Customer Grade: the follow-up template %(name)s needs a grade "
                        "(only retention templates have none).",
                        name=template.name,
                    )
                )

    @api.constrains("res_model")
    def _check_followup_res_model(self):
        for template in self:
            if template.res_model != "res.partner":
                raise ValidationError(
                    self.env._(
                        "Model: the follow-up template %(name)s must apply to contacts "
                        "(res.partner).",
                        name=template.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("res_model", "res.partner")
        templates = super().create(vals_list)
        self.env.registry.clear_cache()  # _crm_match_table
        return templates

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        plans = self.activity_plan_id
        res = super().unlink()
        plans.unlink()
        self.env.registry.clear_cache()
        return res

    @api.model
    def _crm_match(self, partners):
        """Template for each customer of ``partners``: ``{partner: template}``.

        Active templates of the customer's grade and company (or shared); a
        template for the customer's lifecycle stage wins over a general one, a
        company template over a shared one, then the sequence. One search for
        the whole batch. Extension point: override to match on more criteria.
        """
        # best first; a total order (ends with the id), so the first template
        # matching a customer is the one sorting its own candidates would give
        partners.fetch(["customer_grade", "company_id", "lifecycle_stage"])
        # the columns, not a field access per customer (thousands in a batch)
        grades = column_values(partners, "customer_grade")
        candidates = self._crm_match_candidates({grade for grade in grades if grade})
        # few distinct (grade, company, stage): decide once for each
        best, result = {}, {}
        company_id = self.env.company.id
        for partner, grade, partner_company_id, stage in zip(
            partners,
            grades,
            column_values(partners, "company_id"),
            column_values(partners, "lifecycle_stage"),
            strict=True,
        ):
            key = (grade or False, partner_company_id or company_id, stage or False)
            if key not in best:
                best[key] = next(
                    (
                        template
                        for template, grade, company_id, stage in candidates
                        if grade == key[0]
                        and company_id in (key[1], False)
                        and stage in (False, key[2])
                    ),
                    None,
                )
            if best[key]:
                result[partner] = best[key]
        return result

    @api.model
    def _crm_match_candidates(self, grades):
        """``[(template, grade, company id, stage)]`` of the templates of
        ``grades`` that propose by grade, best first (a total order, ending
        with the id). As the system (the proposals), from a registry cache:
        a grade and a lifecycle change of one request match twice."""
        if self.env.su:
            return [
                (self.browse(template_id), grade, company_id, stage)
                for template_id, grade, company_id, stage in self._crm_match_table(
                    self.env.context.get("active_test", True)
                )
                if grade in grades
            ]
        return self._crm_match_rows(
            self.search([("grade", "in", list(grades)), ("crm_retention", "=", False)])
        )

    @api.model
    @tools.ormcache("active_test")
    def _crm_match_table(self, active_test):
        # cleared when a template or an activity plan (its company, active) changes
        templates = self.with_context(active_test=active_test).search(
            [("crm_retention", "=", False)]
        )
        return tuple((t.id, grade, c, s) for t, grade, c, s in self._crm_match_rows(templates))

    @api.model
    def _crm_match_rows(self, templates):
        templates = templates.sorted(
            lambda t: (not t.lifecycle_stage, not t.company_id, t.sequence, t.id)
        )
        return [(t, t.grade, t.company_id.id, t.lifecycle_stage) for t in templates]

    def action_view_plans(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_followup_plan_action"
        )
        action["domain"] = [("template_id", "=", self.id)]
        action["context"] = {"default_template_id": self.id}
        return action

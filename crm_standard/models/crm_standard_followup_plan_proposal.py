"""Follow-up plan proposals (跟进计划): a grade or lifecycle change proposes the
plan of the matching template, set-based, thousands at a time."""

from odoo import api, fields, models

from ..tools import insert_rows
from .crm_standard_followup_plan import OPEN_STATES
from .crm_standard_followup_plan_step import CrmStandardFollowupPlanStep, step_responsible

PROPOSAL_TRIGGERS = [("grade", "Grade Change"), ("stage", "Lifecycle Change")]


class CrmStandardFollowupPlan(models.Model):
    _inherit = "crm.standard.followup.plan"

    lifecycle_stage = fields.Selection(
        related="template_id.lifecycle_stage",
        store=True,
        string="Lifecycle Stage",
        help="Stage the plan's template is made for; empty: any stage.",
    )
    proposal_trigger = fields.Selection(
        PROPOSAL_TRIGGERS,
        "Proposed On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The customer's change that proposed this plan; empty: made by hand.",
    )

    @api.model
    def _crm_propose_for_partners(self, partners, trigger="grade"):
        """Propose a plan from the matching template for each customer.

        ``trigger``: ``grade`` (the grade changed: every customer with a
        matching template gets a new proposal) or ``stage`` (the lifecycle
        stage changed: see :meth:`_crm_stage_change_proposes`). Open plans of
        the customers that get a proposal are closed first (approved ones
        done, the others cancelled; never deleted), then the plans and their
        steps are inserted set-based (:meth:`_crm_insert_proposals`): a
        constant number of queries whatever the number of customers.

        :return: the new plans
        """
        partners = partners.filtered(lambda p: p.is_crm_customer and not p.parent_id)
        if not partners:
            return self.browse()
        open_plans = self.search(
            [("partner_id", "in", partners.ids), ("state", "in", OPEN_STATES)], order="id"
        )
        matches = self.env["crm.standard.followup.template"]._crm_match(partners)
        if trigger == "stage":
            partners = self._crm_stage_change_proposes(partners, matches, open_plans)
            matches = {p: t for p, t in matches.items() if p in partners}
            open_plans = open_plans.filtered(lambda plan: plan.partner_id in partners)
            reason = self.env._("Customer lifecycle stage changed")
        else:
            reason = self.env._("Customer grade changed")
        open_plans._crm_close(reason)
        return self._crm_insert_proposals(matches, trigger)

    @api.model
    def _crm_stage_change_proposes(self, partners, matches, open_plans):
        """The customers of ``partners`` whose lifecycle change proposes a plan.

        Only where the stage matters (the template matched for the new stage
        names a stage, or an open plan of the customer follows a template of
        another stage), and once (no customer gets the template its open plan
        already follows). Extension point.
        """
        templates_by_partner = {}
        for plan in open_plans:
            templates_by_partner.setdefault(plan.partner_id, set()).add(plan.template_id)
        result = self.env["res.partner"]
        for partner in partners:
            template = matches.get(partner)
            current = templates_by_partner.get(partner, set())
            if not template or template in current:
                continue
            if template.lifecycle_stage or any(t.lifecycle_stage for t in current):
                result |= partner
        return result

    @api.model
    def _crm_prepare_proposal_values(self, partner, template, trigger, today):
        """Values of the plan proposed to ``partner`` from ``template``.

        The same values an ORM ``create`` with the template would give.
        Extension point: add stored, non-translated plan columns.
        """
        return {
            "name": self._crm_plan_name(partner.name, partner.customer_grade),
            "partner_id": partner.id,
            "company_id": (partner.company_id or template.company_id or self.env.company).id,
            "template_id": template.id,
            "grade": partner.customer_grade,
            "lifecycle_stage": template.lifecycle_stage,
            "proposal_trigger": trigger,
            "state": "draft",
            "user_id": partner.user_id.id,
            "account_manager_id": template.dedicated_account_manager and partner.user_id.id,
            "date_start": today,
            "touch_limit": template.touch_limit,
            "touch_period": template.touch_period,
        }

    @api.model
    def _crm_insert_proposals(self, matches, trigger):
        """Insert the draft plans of ``matches`` (``{partner: template}``) and
        their steps with two ``INSERT ... SELECT`` statements.

        A proposal is a system record, possibly one of 100,000 after a mass
        regrade: like the ORM path it replaces (``mail_create_nolog``,
        ``mail_create_nosubscribe``), it gets no "created" note and no
        follower; it waits in the approval queue. The step values come from
        ``_crm_prepare_plan_step_values`` (computed once per template step)
        and the responsible from the default rule, or from an overridden
        ``plan.step._crm_responsible`` (recomputed through the ORM).
        """
        if not matches:
            return self.browse()
        Step = self.env["crm.standard.followup.plan.step"]
        today = fields.Date.context_today(self)
        templates = self.env["crm.standard.followup.template"].union(*matches.values())
        # the steps of each template, for a plan starting today
        start = self.new({"date_start": today})
        steps_by_template, first_due = {}, {}
        for template in templates:
            steps = [step._crm_prepare_plan_step_values(start) for step in template.step_ids]
            for values in steps:
                del values["plan_id"]
            steps_by_template[template.id] = steps
            dues = [values["next_due_date"] for values in steps if values["next_due_date"]]
            first_due[template.id] = min(dues, default=False)
        plan_vals = []
        for partner, template in matches.items():
            vals = self._crm_prepare_proposal_values(partner, template, trigger, today)
            vals["next_due_date"] = first_due[template.id]
            plan_vals.append(vals)
        plan_by_partner = {
            partner_id: plan_id
            for plan_id, partner_id in insert_rows(self, plan_vals, ("id", "partner_id"))
        }
        step_vals = []
        for vals in plan_vals:
            for values in steps_by_template[vals["template_id"]]:
                step_vals.append(
                    dict(
                        values,
                        plan_id=plan_by_partner[vals["partner_id"]],
                        company_id=vals["company_id"],
                        partner_id=vals["partner_id"],
                        plan_state="draft",
                        user_id=step_responsible(
                            values["responsible_mode"],
                            values["responsible_id"],
                            vals["account_manager_id"],
                            vals["user_id"],
                        ),
                    )
                )
        step_ids = [row[0] for row in insert_rows(Step, step_vals)]
        if type(Step)._crm_responsible is not CrmStandardFollowupPlanStep._crm_responsible:
            self.env.add_to_compute(Step._fields["user_id"], Step.browse(step_ids))
        partners = self.env["res.partner"].union(*matches)
        partners.invalidate_recordset(["crm_followup_plan_ids", "crm_followup_plan_count"])
        return self.browse([plan_by_partner[vals["partner_id"]] for vals in plan_vals])

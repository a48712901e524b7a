"""Follow-up plan proposals (跟进计划): a grade or lifecycle change proposes the
plan of the matching template, set-based, thousands at a time."""

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import array_literal, column_values, insert_rows, unnest_sql
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
    steps_pending = fields.Boolean(
        readonly=True,
        copy=False,
        help="A proposal whose steps are still those of its template: they are copied "
        "into the plan when it is opened, submitted, approved or copied.",
    )
    proposal_trigger = fields.Selection(
        PROPOSAL_TRIGGERS,
        "Proposed On",
        readonly=True,
        copy=False,
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
        # only the columns used here: not every column of thousands of partners
        partners.fetch(["is_crm_customer", "parent_id", "customer_grade", "company_id"])
        partners = partners.browse(
            [
                partner_id
                for partner_id, customer, parent_id in zip(
                    partners._ids,
                    column_values(partners, "is_crm_customer"),
                    column_values(partners, "parent_id"),
                    strict=True,
                )
                if customer and not parent_id
            ]
        )
        if not partners:
            return self.browse()
        # retention plans are a track of their own (_crm_track_domain)
        open_plans = self.search(
            [
                ("partner_id", "in", partners.ids),
                ("state", "in", OPEN_STATES),
                *self._crm_track_domain(),
            ],
            order="id",
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
    def _crm_insert_proposals(self, matches, trigger):
        """Insert the draft plans of ``matches`` (``{partner: template}``) with
        one ``INSERT ... SELECT`` whatever their number.

        A proposal is a system record, possibly one of 100,000 after a mass
        regrade: like the ORM path it replaces (``mail_create_nolog``,
        ``mail_create_nosubscribe``) it gets no "created" note and no
        follower, and waits in the approval queue. It gets the values an ORM
        ``create`` with the template would give (name, company, salesperson,
        account manager, touch limit, start date, first due date), and its
        steps are copied from the template when someone opens, submits,
        approves or copies it (``steps_pending``, see
        :meth:`_crm_materialize_steps`): copying three steps each for 100,000
        customers would cost more than the whole grading.
        """
        if not matches:
            return self.browse()
        today = fields.Date.context_today(self)
        templates = self.env["crm.standard.followup.template"].union(*matches.values())
        start = self.new({"date_start": today})
        first_due = {
            template: min(
                (
                    step._crm_prepare_plan_step_values(start)["next_due_date"]
                    for step in template.step_ids
                ),
                default=None,
            )
            for template in templates
        }
        Partner = self.env["res.partner"]
        Partner.flush_model(["name", "company_id", "user_id", "customer_grade"])
        partner_ids = [partner.id for partner in matches]
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO crm_standard_followup_plan (
                name, partner_id, company_id, template_id, grade, lifecycle_stage,
                proposal_trigger, state, user_id, account_manager_id, date_start,
                touch_limit, touch_period, next_due_date, steps_pending,
                create_uid, write_uid, create_date, write_date)
            SELECT replace(replace(%(name)s, %(grade)s, p.customer_grade),
                           %(customer)s, COALESCE(p.name, '')),
                   p.id, COALESCE(p.company_id, t.company_id, %(company)s), t.id,
                   p.customer_grade, t.lifecycle_stage, %(trigger)s, 'draft', p.user_id,
                   CASE WHEN t.account_manager THEN p.user_id END, %(today)s,
                   t.touch_limit, t.touch_period, t.first_due, TRUE,
                   %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM %(matches)s AS m(partner_id, template_id)
              JOIN res_partner p ON p.id = m.partner_id
              JOIN %(templates)s AS t(id, company_id, lifecycle_stage, account_manager,
                                      touch_limit, touch_period, first_due)
                ON t.id = m.template_id
             WHERE p.id = ANY(%(ids)s::int[])
         RETURNING id
                """,
                # the name _compute_name gives; one translation for the batch
                name=self._crm_plan_name("%(customer)s", "%(grade)s"),
                grade="%(grade)s",
                customer="%(customer)s",
                company=self.env.company.id,
                trigger=trigger,
                today=today,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=array_literal("int", partner_ids),
                matches=unnest_sql(
                    [
                        ("int", partner_ids),
                        ("int", [template.id for template in matches.values()]),
                    ]
                ),
                templates=unnest_sql(
                    [
                        ("int", templates.ids),
                        ("int", [t.company_id.id or None for t in templates]),
                        ("varchar", [t.lifecycle_stage or None for t in templates]),
                        ("bool", [t.dedicated_account_manager for t in templates]),
                        ("int", [t.touch_limit for t in templates]),
                        ("varchar", [t.touch_period for t in templates]),
                        ("date", [first_due[t] or None for t in templates]),
                    ]
                ),
            )
        )
        plans = self.browse([row[0] for row in self.env.cr.fetchall()])
        Partner.browse(partner_ids).invalidate_recordset(
            ["crm_followup_plan_ids", "crm_followup_plan_count"]
        )
        return plans

    # ---------------------------------------------------------------------
    # Steps of the proposals, copied from the template when needed
    # ---------------------------------------------------------------------
    def _crm_materialize_steps(self):
        """Copy the template's steps into the plans of ``self`` that still
        wait for them (``steps_pending``), set-based: the due dates from each
        plan's start date, the responsible by the default rule (or by an
        overridden ``plan.step._crm_responsible``, recomputed through the
        ORM). A system completion of the plan (any state, no access check)."""
        pending = self.sudo().filtered("steps_pending")
        if not pending:
            return
        Step = self.env["crm.standard.followup.plan.step"].sudo()
        starts = {}
        for plan in pending:
            starts.setdefault((plan.template_id, plan.date_start), []).append(plan)
        step_vals = []
        for (template, date_start), plans in starts.items():
            start = self.new({"date_start": date_start})
            steps = [step._crm_prepare_plan_step_values(start) for step in template.step_ids]
            for plan in plans:
                for values in steps:
                    step_vals.append(
                        dict(
                            values,
                            plan_id=plan.id,
                            company_id=plan.company_id.id,
                            partner_id=plan.partner_id.id,
                            plan_state=plan.state,
                            user_id=step_responsible(
                                values["responsible_mode"],
                                values["responsible_id"],
                                plan.account_manager_id.id,
                                plan.user_id.id,
                            ),
                        )
                    )
        step_ids = [row[0] for row in insert_rows(Step, step_vals)]
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_standard_followup_plan p
               SET steps_pending = FALSE,
                   next_due_date = (SELECT MIN(s.next_due_date)
                                      FROM crm_standard_followup_plan_step s
                                     WHERE s.plan_id = p.id AND NOT COALESCE(s.done, FALSE))
             WHERE p.id = ANY(%s::int[])
                """,
                array_literal("int", pending.ids),
            )
        )
        pending.invalidate_recordset(["steps_pending", "next_due_date", "step_ids"])
        if type(Step)._crm_responsible is not CrmStandardFollowupPlanStep._crm_responsible:
            self.env.add_to_compute(Step._fields["user_id"], Step.browse(step_ids))

    def web_read(self, specification):
        # the form shows a proposal with its steps
        if "step_ids" in specification:
            self._crm_materialize_steps()
        return super().web_read(specification)

    def copy(self, default=None):
        self._crm_materialize_steps()
        return super().copy(default)

    def write(self, vals):
        if "step_ids" in vals or vals.get("state") in ("submitted", "approved"):
            self._crm_materialize_steps()
        return super().write(vals)

    def action_submit(self):
        self._crm_materialize_steps()
        return super().action_submit()

    def action_approve(self):
        self._crm_materialize_steps()
        return super().action_approve()

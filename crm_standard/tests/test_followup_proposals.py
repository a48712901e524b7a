from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form

from .test_followup_plans import FollowupCommon


class ProposalCommon(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Template = cls.env["crm.standard.followup.template"]
        cls.Decision = cls.env["crm.standard.followup.plan.decision"]
        cls.template_a = cls.env.ref("crm_standard.followup_template_grade_a")
        cls.template_b = cls.env.ref("crm_standard.followup_template_grade_b")
        cls.template_c = cls.env.ref("crm_standard.followup_template_grade_c")
        cls.template_a_potential = cls.env.ref("crm_standard.followup_template_a_potential")
        cls.template_b_potential = cls.env.ref("crm_standard.followup_template_b_potential")
        cls.template_a_repeat = cls.env.ref("crm_standard.followup_template_a_repeat")

    def _plans(self, partners, **domain):
        return self.Plan.search(
            [("partner_id", "in", partners.ids)] + [(k, "=", v) for k, v in domain.items()],
            order="id",
        )

    def _grade(self, partners, grade):
        """Set the grade by the set-based path the grading uses (cron, override)."""
        return partners.sudo()._crm_set_manual_grade(grade, reason="test")

    def _customers(self, count, prefix, grade="C", stage="deal"):
        """``count`` graded customers of the salesperson, no grading on create."""
        Partner = self.env["res.partner"].with_context(crm_skip_grading=True)
        return Partner.create(
            [
                {
                    "name": f"{prefix} {i}",
                    "is_company": True,
                    "is_crm_customer": True,
                    "user_id": self.user_salesman.id,
                    "customer_grade": grade,
                    "crm_grade_computed": grade,
                    "lifecycle_stage": stage,
                }
                for i in range(count)
            ]
        )

    def _assert_flat_query_count(self, batches, run, expected, check=None):
        """``run(batch)`` costs the same queries, at most ``expected``, for
        each batch after the first (a warm-up of the caches); then
        ``check(batch, result)``."""
        run(batches[0])
        counts = []
        for batch in batches[1:]:
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            with self.assertQueryCount(expected):
                result = run(batch)
                self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
            check(batch, result)
        sizes = [len(batch) for batch in batches[1:]]
        self.assertEqual(len(set(counts)), 1, f"queries for {sizes} records: {counts}")

    def _decide(self, user, plans, decision, comment=False):
        """The list's Approve/Reject button, then the wizard's Confirm, as
        ``user``: ``(plans to decide, plans skipped, reasons, action)`` as the
        dialog showed them before the confirmation."""
        self.env.invalidate_all()
        plans = plans.with_user(user)
        if decision == "approve":
            action = plans.action_crm_bulk_approve()
        else:
            action = plans.action_crm_bulk_reject()
        form = Form(self.Decision.with_user(user).with_context(**action["context"]))
        self.assertEqual(form.decision, decision)
        if comment:
            form.review_comment = comment
        wizard = form.save()
        shown = (wizard.ready_count, wizard.skipped_count, wizard.skipped_info or "")
        return (*shown, wizard.action_confirm())


class TestSetBasedProposals(ProposalCommon):
    def test_regrade_proposes_the_plan_an_orm_create_would_give(self):
        partner = self._customer("Set Based Co")
        first = self._plans(partner)
        first.with_user(self.user_salesman).web_read({"step_ids": {"fields": {}}})  # opened
        new = self._grade(partner, "S")
        plan = self._plans(partner, state="draft")
        self.assertEqual(plan.partner_id, new)
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(first.close_reason, "Customer grade changed")
        # the values of the ORM path
        self.assertEqual(
            (plan.template_id, plan.grade, plan.proposal_trigger, plan.user_id),
            (self.template_s, "S", "grade", self.user_salesman),
        )
        self.assertEqual(plan.name, f"Follow-up {partner.name} (S)")
        self.assertEqual(plan.company_id, partner.company_id or self.env.company)
        self.assertEqual(plan.account_manager_id, self.user_salesman)
        self.assertEqual(
            (plan.touch_limit, plan.touch_period, plan.date_start),
            (self.template_s.touch_limit, self.template_s.touch_period, self.today),
        )
        self.assertEqual(plan.next_due_date, self.today + timedelta(days=7))
        # a system proposal: no "created" note, no follower
        self.assertFalse(plan.message_follower_ids)
        self.assertFalse(plan.message_ids)
        # its steps are copied from the template when the salesperson opens it
        self.assertTrue(plan.steps_pending)
        self.assertFalse(plan.step_ids)
        self.env.invalidate_all()
        read = plan.with_user(self.user_salesman).web_read(
            {"step_ids": {"fields": {"name": {}, "user_id": {"fields": {}}}}}
        )
        self.assertEqual(len(read[0]["step_ids"]), len(self.template_s.step_ids))
        self.assertFalse(plan.steps_pending)
        self.assertEqual(
            plan.step_ids.mapped("template_step_id"), self.template_s.step_ids, "one step each"
        )
        for step in plan.step_ids:
            template_step = step.template_step_id
            self.assertEqual(
                (step.name, step.channel, step.activity_type_id, step.cadence_unit),
                (
                    template_step.summary,
                    template_step.channel,
                    template_step.activity_type_id,
                    template_step.cadence_unit,
                ),
            )
            self.assertEqual(step.user_id, self.user_salesman, "account manager's steps")
            self.assertEqual((step.plan_state, step.partner_id), ("draft", partner))
        self.assertEqual(plan.next_due_date, self.today + timedelta(days=7))
        # the opened plan's chatter tracks the state change
        tracking = first.message_ids.tracking_value_ids
        self.assertEqual(tracking.field_id.name, "state")
        self.assertEqual((tracking.old_value_char, tracking.new_value_char), ("Draft", "Cancelled"))

    def test_a_proposal_nobody_opened_is_cancelled_silently(self):
        partner = self._customer("Untouched Co")
        first = self._plans(partner)
        self._grade(partner, "S")
        self.assertEqual((first.state, first.date_end), ("cancelled", self.today))
        self.assertEqual(first.close_reason, "Customer grade changed")
        self.assertFalse(first.message_ids, "no chatter on a proposal nobody opened")

    def test_steps_are_copied_once_before_any_change(self):
        partner = self._customer("Copied Once Co")
        plan = self._plans(partner)
        template_steps = plan.template_id.step_ids
        # a step added by RPC comes after the template's
        self.Step.with_user(self.user_salesman).create(
            {"plan_id": plan.id, "name": "Extra call", "channel": "call"}
        )
        self.assertEqual(len(plan.step_ids), len(template_steps) + 1)
        plan.with_user(self.user_salesman).action_submit()
        plan.with_user(self.user_salesman).web_read({"step_ids": {"fields": {}}})
        self.assertEqual(len(plan.step_ids), len(template_steps) + 1)
        # submitting copies them too
        other = self._plans(self._customer("Submitted Once Co"))
        self.assertTrue(other.steps_pending)
        other.with_user(self.user_salesman).action_submit()
        self.assertEqual(len(other.step_ids), len(other.template_id.step_ids))

    def test_closing_drops_reminders_of_approved_and_review_of_submitted_plans(self):
        leader_team = self.env["crm.team"].create(
            {"name": "Review Team", "user_id": self.user_sales_manager.id}
        )
        self.user_salesman.sale_team_id = leader_team
        approved_partner = self._customer("Approved Closed Co")
        approved = self._plan(approved_partner)
        self._plans(approved_partner, state="draft").action_cancel()
        self._run_cron()
        self.assertTrue(self._activities(approved_partner))
        submitted_partner = self._customer("Submitted Closed Co")
        submitted = self._plans(submitted_partner)
        submitted.with_user(self.user_salesman).action_submit()
        self.assertTrue(submitted.activity_ids)
        self._grade(approved_partner | submitted_partner, "S")
        self.assertEqual((approved.state, approved.date_end), ("done", self.today))
        self.assertFalse(self._activities(approved_partner), "open reminders dropped")
        self.assertEqual(submitted.state, "cancelled")
        self.assertFalse(submitted.activity_ids, "the review to-do is dropped")
        self.assertEqual(set(submitted.step_ids.mapped("plan_state")), {"cancelled"})

    def test_second_cron_run_proposes_nothing(self):
        partners = self._customer("Once A") | self._customer("Once B")
        self.Partner = self.env["res.partner"]
        self.company.write({"crm_grade_value_medium": 0.0, "crm_grade_value_high": 0.0})
        self.env["res.partner"]._cron_crm_recompute_grades()
        count = len(self._plans(partners))
        self.env["res.partner"]._cron_crm_recompute_grades()
        self.assertEqual(len(self._plans(partners)), count)
        self.assertEqual(len(self._plans(partners, state="draft")), 2, "one open plan each")

    def test_overridden_responsible_rule_is_followed(self):
        Step = self.registry["crm.standard.followup.plan.step"]
        manager = self.user_sales_manager

        def responsible(step):
            return manager

        partner = self._customer("Override Rule Co")
        Step._crm_responsible = responsible
        try:
            self._grade(partner, "S")
            plan = self._plans(partner, state="draft")
            plan.with_user(self.user_salesman).web_read({"step_ids": {"fields": {}}})
            self.env.flush_all()
        finally:
            del Step._crm_responsible
        self.assertEqual(plan.step_ids.user_id, manager)

    def test_grading_with_proposals_costs_the_same_queries_for_2_and_20_customers(self):
        groups = [self._customers(size, f"Regrade {size}") for size in (1, 2, 20)]
        for partners in groups:
            self.Plan.sudo()._crm_propose_for_partners(partners)  # an open plan to close
        self.company.write({"crm_grade_value_medium": 0.0, "crm_grade_value_high": 0.0})
        self._flush_tracking()

        def check(partners, changed):
            self.assertEqual(changed, partners)
            self.assertEqual(len(self._plans(partners, state="draft")), len(partners))
            self.assertEqual(len(self._plans(partners, state="cancelled")), len(partners))

        self._assert_flat_query_count(
            groups,
            lambda partners: partners._crm_recompute_grades(),
            REGRADE_WITH_PROPOSALS_QUERIES,
            check,
        )

    def test_first_grades_with_proposals_cost_the_same_queries_for_2_and_20_customers(self):
        # the daily cron's first run on existing customers: every customer gets
        # its first grade and a proposal, nothing to close, no chatter note
        groups = [self._customers(size, f"First {size}", grade=False) for size in (1, 2, 20)]
        self._flush_tracking()

        def check(partners, changed):
            self.assertEqual(changed, partners)
            self.assertEqual(set(partners.mapped("customer_grade")), {"C"})
            plans = self._plans(partners, state="draft")
            self.assertEqual(plans.partner_id, partners)
            self.assertEqual(set(plans.mapped("proposal_trigger")), {"grade"})
            self.assertEqual(plans.template_id, self.template_c)

        self._assert_flat_query_count(
            groups,
            lambda partners: partners._crm_recompute_grades(skip_locked=True),
            FIRST_GRADES_WITH_PROPOSALS_QUERIES,
            check,
        )


REGRADE_WITH_PROPOSALS_QUERIES = 40
FIRST_GRADES_WITH_PROPOSALS_QUERIES = 24


class TestProposalSettings(ProposalCommon):
    def test_admin_sets_which_grade_changes_propose_in_settings(self):
        self.env.invalidate_all()
        settings = Form(self.env["res.config.settings"].with_user(self.env.ref("base.user_admin")))
        self.assertEqual(settings.crm_followup_propose_on, "all", "default: every change")
        self.assertTrue(settings.crm_followup_propose_on_stage)
        settings.crm_followup_propose_on = "upgrade_sa"
        settings.save().execute()
        self.assertEqual(self.company.crm_followup_propose_on, "upgrade_sa")

    def test_only_upgrades_to_s_or_a_propose(self):
        self.company.crm_followup_propose_on = "upgrade_sa"
        partner = self._customer("Upgrade Co")
        self._grade(partner, "C")
        count = len(self._plans(partner))
        self._grade(partner, "B")  # an upgrade, not to S/A
        self.assertEqual(len(self._plans(partner)), count)
        self._grade(partner, "A")
        plan = self._plans(partner, state="draft")[-1:]
        self.assertEqual((plan.grade, len(self._plans(partner))), ("A", count + 1))
        self._grade(partner, "B")  # a downgrade: the A plan stays
        self.assertEqual(plan.state, "draft")
        self.assertEqual(len(self._plans(partner)), count + 1)

    def test_upgrades_only_and_never(self):
        self.company.crm_followup_propose_on = "upgrade"
        partner = self._customer("Upgrades Only Co")
        self._grade(partner, "C")
        count = len(self._plans(partner))
        self._grade(partner, "B")
        self.assertEqual(len(self._plans(partner)), count + 1)
        self._grade(partner, "C")
        self.assertEqual(len(self._plans(partner)), count + 1)
        self.company.crm_followup_propose_on = "none"
        self._grade(partner, "S")
        self.assertEqual(len(self._plans(partner)), count + 1)
        self.assertFalse(self._customer("Never Co").crm_followup_plan_ids)

    def test_a_first_grade_counts_as_an_upgrade(self):
        self.company.crm_followup_propose_on = "upgrade"
        partner = self._customer("First Grade Co")
        self.assertEqual(len(self._plans(partner)), 1)


class TestBulkDecisions(ProposalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colleague = cls._create_colleague()
        cls.partners = cls.env["res.partner"]
        for index in range(4):
            cls.partners |= cls._customer(f"Bulk Sally {index}")
        for index in range(2):
            cls.partners |= cls._customer(f"Bulk Colin {index}", user=cls.colleague)
        cls.proposals = cls.Plan.search(
            [("partner_id", "in", cls.partners.ids), ("state", "=", "draft")]
        )

    def _notifications(self, before):
        return self.env["mail.message"].search(
            [("id", ">", before), ("message_type", "=", "user_notification")]
        )

    def _last_message_id(self):
        return self.env["mail.message"].search([], order="id desc", limit=1).id

    def test_manager_approves_every_proposal_with_one_confirmation_and_one_digest_each(self):
        submitted = self.proposals.filtered(lambda p: p.user_id == self.user_salesman)[0]
        submitted.with_user(self.user_salesman).action_submit()
        before = self._last_message_id()
        ready, skipped, _info, action = self._decide(
            self.user_sales_manager, self.proposals, "approve"
        )
        self.assertEqual((ready, skipped), (6, 0))
        self.assertEqual(action["tag"], "display_notification")
        self.env.invalidate_all()
        self.assertEqual(set(self.proposals.mapped("state")), {"approved"})
        self.assertEqual(self.proposals.approver_id, self.user_sales_manager)
        self.assertTrue(all(self.proposals.step_ids.mapped("next_due_date")))
        self.assertFalse(submitted.activity_ids, "the review to-do is done with")
        digests = self._notifications(before)
        self.assertEqual(len(digests), 2, "one digest per salesperson, not one per plan")
        to_sally = digests.filtered(lambda m: self.user_salesman.partner_id in m.partner_ids)
        self.assertIn("Bulk Sally 3", str(to_sally.body))
        self.assertNotIn("Bulk Colin", str(to_sally.body))
        self.assertIn("4", to_sally.subject)
        # each plan logs its decision (a note, no notification)
        tracking = self.proposals[1].message_ids.tracking_value_ids
        self.assertEqual((tracking.old_value_char, tracking.new_value_char), ("Draft", "Approved"))
        # and the approved plans produce reminders when their steps are due
        step = self.proposals.step_ids[0]
        step.plan_id._crm_check_editable(["step_ids"])  # the manager may
        step.with_user(self.user_sales_manager).next_due_date = self.today
        self.assertEqual(self._run_cron().step_id, step)

    def test_skipped_plans_are_counted_and_left_alone(self):
        partner = self.partners[0]
        approved = self._plan(partner, approve=True)  # hand-made, already approved
        cancelled = self.proposals.filtered(lambda p: p.partner_id == self.partners[1])
        cancelled.action_cancel()
        selection = self.proposals | approved
        ready, skipped, info, _action = self._decide(self.user_sales_manager, selection, "approve")
        self.assertEqual((ready, skipped), (4, 3))
        self.assertIn("another plan", info)
        self.assertIn("not draft or submitted", info)
        self.env.invalidate_all()
        busy = self.proposals.filtered(lambda p: p.partner_id == partner)
        self.assertEqual(busy.state, "draft", "one approved plan per customer")
        self.assertEqual(cancelled.state, "cancelled")
        self.assertEqual(approved.state, "approved")

    def test_bulk_reject_needs_one_comment_sent_to_the_salespeople(self):
        wizard = self.Decision.with_user(self.user_sales_manager).create(
            {"plan_ids": [Command.set(self.proposals.ids)], "decision": "reject"}
        )
        with self.assertRaisesRegex(UserError, "Review Comment"):
            wizard.action_confirm()
        before = self._last_message_id()
        self._decide(self.user_sales_manager, self.proposals, "reject", "Too many visits")
        self.env.invalidate_all()
        self.assertEqual(set(self.proposals.mapped("state")), {"rejected"})
        self.assertEqual(set(self.proposals.mapped("review_comment")), {"Too many visits"})
        digests = self._notifications(before)
        self.assertEqual(len(digests), 2)
        self.assertIn("Too many visits", str(digests[0].body))
        # the salesperson takes a rejected plan back to draft
        own = self.proposals.filtered(lambda p: p.user_id == self.user_salesman)[0]
        own.with_user(self.user_salesman).action_reset_draft()
        self.assertEqual(own.state, "draft")

    def test_salespeople_cannot_decide_in_bulk(self):
        for user in (self.user_salesman, self.user_salesman_all):
            self.env.invalidate_all()
            with self.assertRaises(AccessError):
                self.proposals.with_user(user).action_crm_bulk_approve()
            with self.assertRaises(AccessError):
                self.Decision.with_user(user).create(
                    {"plan_ids": [Command.set(self.proposals.ids)], "decision": "approve"}
                )
            with self.assertRaises(AccessError):
                self.proposals.with_user(user)._crm_bulk_decide("approve")
        self.assertEqual(set(self.proposals.mapped("state")), {"draft"})

    def test_bulk_decision_costs_the_same_queries_for_2_and_20_plans(self):
        partners = self._customers(23, "Bulk Count", grade="B")
        plans = self.Plan.sudo()._crm_propose_for_partners(partners)
        self._flush_tracking()
        manager_plans = plans.with_user(self.user_sales_manager)
        self._assert_flat_query_count(
            [manager_plans[:1], manager_plans[1:3], manager_plans[3:23]],
            lambda batch: batch._crm_bulk_decide("approve"),
            BULK_DECISION_QUERIES,
            lambda batch, decided: self.assertEqual(decided, batch),
        )

    def test_list_has_the_bulk_buttons_for_managers_only(self):
        for user, visible in ((self.user_sales_manager, True), (self.user_salesman, False)):
            arch = self.Plan.with_user(user).get_views([(False, "list")])["views"]["list"]["arch"]
            self.assertEqual("action_crm_bulk_approve" in arch, visible, user.login)
            self.assertEqual("action_crm_bulk_reject" in arch, visible, user.login)


BULK_DECISION_QUERIES = 40


class TestLifecycleProposals(ProposalCommon):
    def test_shipped_stage_templates_follow_the_seed(self):
        staged = self.Template.search(
            [("lifecycle_stage", "!=", False), ("company_id", "=", False)]
        )
        self.assertEqual(
            set(staged.mapped(lambda t: (t.grade, t.lifecycle_stage))),
            {
                ("A", "potential"),
                ("B", "potential"),
                ("C", "potential"),
                ("S", "repeat"),
                ("A", "repeat"),
                ("B", "repeat"),
            },
        )
        nurturing = self.template_a_potential.step_ids
        self.assertIn("once", nurturing.mapped("cadence_unit"), "a needs discovery call")
        loyalty = self.template_a_repeat.step_ids
        self.assertIn(
            ("call", 3, "months"),
            [(s.channel, s.cadence_count, s.cadence_unit) for s in loyalty],
            "regular customers are revisited quarterly",
        )
        s_repeat = self.env.ref("crm_standard.followup_template_s_repeat")
        self.assertTrue(s_repeat.dedicated_account_manager)
        self.assertIn(
            ("visit", 1, "months"),
            [(s.channel, s.cadence_count, s.cadence_unit) for s in s_repeat.step_ids],
        )

    def test_a_template_naming_grade_and_stage_wins_over_the_grade_only(self):
        partner = self._customer("Precedence Co")
        self._grade(partner, "A")
        self.assertEqual(partner.lifecycle_stage, "potential")
        company_grade_only = self.Template.create(
            {"name": "A of the company", "grade": "A", "company_id": self.company.id}
        )
        self.assertEqual(
            self.Template._crm_match(partner)[partner],
            self.template_a_potential,
            "grade and stage first, then a company template over a shared one",
        )
        self.template_a_potential.active = False
        self.assertEqual(self.Template._crm_match(partner)[partner], company_grade_only)
        plan = self._plans(partner, state="draft")
        self.assertEqual(plan.template_id, self.template_a_potential)
        self.assertEqual(plan.lifecycle_stage, "potential")

    def test_a_prospect_is_nurtured_until_an_opportunity_shows_intent(self):
        partner = self._customer("Prospect Co", needs_match="high")
        self._grade(partner, "A")
        nurturing = self._plans(partner, state="draft")
        self.assertEqual(nurturing.template_id, self.template_a_potential)
        self._create_opportunity(partner)
        self.assertEqual(partner.lifecycle_stage, "intent")
        self.assertEqual(nurturing.state, "cancelled")
        self.assertEqual(nurturing.close_reason, "Customer lifecycle stage changed")
        plan = self._plans(partner, state="draft")
        self.assertEqual((plan.template_id, plan.proposal_trigger), (self.template_a, "stage"))

    def test_a_repeat_buyer_gets_loyalty_revisits_once(self):
        partner = self._customer("Repeat Buyer Co")
        self._grade(partner, "A")
        self._create_opportunity(partner, won=True)
        self.assertEqual(partner.lifecycle_stage, "deal")
        deal_plan = self._plans(partner, state="draft")
        self.assertEqual(deal_plan.template_id, self.template_a)
        deal_plan.with_user(self.user_salesman).action_submit()
        deal_plan.with_user(self.user_sales_manager).action_approve()
        self._create_opportunity(partner, won=True)
        self.assertEqual(partner.lifecycle_stage, "repeat")
        self.assertEqual(deal_plan.state, "done", "the approved plan is closed, not deleted")
        loyalty = self._plans(partner, state="draft")
        self.assertEqual(loyalty.template_id, self.template_a_repeat)
        self.assertEqual(loyalty.proposal_trigger, "stage")
        # once: recomputing the stage again proposes nothing more
        count = len(self._plans(partner))
        partner._crm_recompute_lifecycle()
        partner.write({"lifecycle_stage": "repeat"})
        self.assertEqual(len(self._plans(partner)), count)

    def test_a_stage_without_its_own_template_keeps_the_current_plan(self):
        partner = self._customer("Deal Co")
        self._grade(partner, "A")
        partner.write({"lifecycle_stage": "intent"})
        plan = self._plans(partner, state="draft")
        self.assertEqual(plan.template_id, self.template_a)
        partner.write({"lifecycle_stage": "deal"})
        self.assertEqual(self._plans(partner, state="draft"), plan, "same template: no proposal")

    def test_the_stage_setting_off_stops_lifecycle_proposals(self):
        self.company.crm_followup_propose_on_stage = False
        partner = self._customer("No Stage Co")
        self._grade(partner, "A")
        count = len(self._plans(partner))
        partner.write({"lifecycle_stage": "repeat"})
        self.assertEqual(len(self._plans(partner)), count)

    def test_stage_proposals_cost_the_same_queries_for_2_and_20_customers(self):
        groups = [self._customers(size, f"Stage {size}", grade="A") for size in (1, 2, 20)]
        for partners in groups:
            self.Plan.sudo()._crm_propose_for_partners(partners)
        self._flush_tracking()
        # Odoo's own tracking of the partners' stage logs a message per partner
        untracked = [partners.with_context(mail_notrack=True) for partners in groups]
        self._assert_flat_query_count(
            untracked,
            lambda partners: partners.write({"lifecycle_stage": "repeat"}),
            STAGE_PROPOSAL_QUERIES,
            lambda partners, _res: self.assertEqual(
                self._plans(partners, state="draft").template_id, self.template_a_repeat
            ),
        )


STAGE_PROPOSAL_QUERIES = 40

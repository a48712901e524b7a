from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from .common import CrmStandardCommon


class FollowupCommon(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Plan = cls.env["crm.standard.followup.plan"]
        cls.Step = cls.env["crm.standard.followup.plan.step"]
        cls.Reminder = cls.env["crm.standard.followup.reminder"]
        cls.Activity = cls.env["mail.activity"]
        cls.today = fields.Date.context_today(cls.Plan)
        cls.template_s = cls.env.ref("crm_standard.followup_template_grade_s")
        cls.type_call = cls.env.ref("mail.mail_activity_data_call")

    @classmethod
    def _customer(cls, name, user=None, **vals):
        return cls._create_customer(
            name, is_crm_customer=True, user_id=(user or cls.user_salesman).id, **vals
        )

    @classmethod
    def _plan(cls, partner, steps=None, approve=True, user=None, **vals):
        """A hand-made plan (as the salesperson), approved by the manager."""
        steps = steps or [
            {
                "name": "Call",
                "channel": "call",
                "cadence_count": 1,
                "cadence_unit": "months",
                "next_due_date": cls.today,
            }
        ]
        plan = cls.Plan.with_user(user or cls.user_salesman).create(
            {
                "partner_id": partner.id,
                "step_ids": [Command.create(step) for step in steps],
                **vals,
            }
        )
        if approve:
            plan.action_submit()
            plan.with_user(cls.user_sales_manager).action_approve()
        return plan.with_env(cls.env)

    def _activities(self, partners):
        return self.Activity.search(
            [("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        )

    def _run_cron(self, **kwargs):
        return self.Reminder._cron_crm_send_reminders(**kwargs)


class TestFollowupTemplatesAndProposals(FollowupCommon):
    def test_shipped_templates_follow_the_seed(self):
        Template = self.env["crm.standard.followup.template"]
        templates = {
            t.grade: t
            for t in Template.search(
                [
                    ("company_id", "=", False),
                    ("lifecycle_stage", "=", False),
                    ("crm_retention", "=", False),
                ]
            )
        }
        self.assertEqual(set(templates), {"S", "A", "B", "C"})
        s_steps = templates["S"].step_ids
        self.assertTrue(templates["S"].dedicated_account_manager)
        self.assertIn(
            ("visit", 1, "months", "account_manager"),
            [
                (st.channel, st.cadence_count, st.cadence_unit, st.responsible_mode)
                for st in s_steps
            ],
        )
        self.assertEqual(
            s_steps.filtered(lambda st: st.channel == "visit").activity_type_id,
            self.env.ref("mail.mail_activity_data_meeting"),
        )
        self.assertIn(
            ("call", 1, "weeks"),
            [(st.channel, st.cadence_count, st.cadence_unit) for st in templates["A"].step_ids],
        )
        self.assertIn(
            ("email", 2, "weeks"),
            [(st.channel, st.cadence_count, st.cadence_unit) for st in templates["B"].step_ids],
        )
        news = templates["C"].step_ids.filtered(lambda st: st.channel == "newsletter")
        self.assertEqual(
            news.activity_type_id, self.env.ref("crm_standard.mail_activity_data_newsletter")
        )
        # key customers revisited monthly, regular ones quarterly
        revisit = {
            g: t.step_ids.filtered(lambda st: "revisit" in st.summary) for g, t in templates.items()
        }
        self.assertEqual((revisit["S"].cadence_count, revisit["S"].cadence_unit), (1, "months"))
        for grade in "ABC":
            self.assertEqual(
                (revisit[grade].cadence_count, revisit[grade].cadence_unit), (3, "months")
            )

    def test_templates_are_activity_plans_on_contacts(self):
        plan = self.template_s.activity_plan_id
        self.assertEqual(plan.res_model, "res.partner")
        self.assertEqual(plan.template_ids, self.template_s.step_ids.activity_template_id)
        self.assertEqual(set(plan.template_ids.mapped("responsible_type")), {"on_demand"})

    def test_grade_change_proposes_plan_and_closes_the_old_one(self):
        partner = self._customer("Proposal Co")
        first = self.Plan.search([("partner_id", "=", partner.id)])
        self.assertEqual(len(first), 1, "getting a grade proposes a plan")
        self.assertEqual(first.grade, partner.customer_grade)
        self.assertEqual(first.state, "draft")
        partner._crm_set_manual_grade("S", reason="Key account")
        plans = self.Plan.search([("partner_id", "=", partner.id)], order="id")
        self.assertEqual(len(plans), 2, "the old plan is kept")
        self.assertEqual(plans[0].state, "cancelled")
        self.assertTrue(plans[0].close_reason)
        new = plans[1]
        self.assertEqual((new.state, new.grade, new.template_id), ("draft", "S", self.template_s))
        # its steps are the template's, copied when the salesperson opens it
        self.assertTrue(new.steps_pending)
        new.with_user(self.user_salesman).web_read({"step_ids": {"fields": {"name": {}}}})
        self.assertEqual(new.account_manager_id, self.user_salesman)
        self.assertEqual(len(new.step_ids), len(self.template_s.step_ids))
        self.assertEqual(new.touch_limit, self.template_s.touch_limit)
        visit = new.step_ids.filtered(lambda st: st.channel == "visit")
        self.assertEqual(visit.next_due_date, self.today + timedelta(days=7))
        self.assertEqual(visit.user_id, self.user_salesman)
        self.assertEqual(partner.crm_followup_plan_count, 2)

    def test_approved_plan_is_done_when_the_grade_changes(self):
        partner = self._customer("Approved Co")
        plan = self.Plan.search([("partner_id", "=", partner.id)])
        plan.with_user(self.user_salesman).action_submit()
        plan.with_user(self.user_sales_manager).action_approve()
        partner._crm_set_manual_grade("S", reason="Key account")
        self.assertEqual(plan.state, "done")
        self.assertEqual(plan.date_end, self.today)


class TestFollowupApproval(FollowupCommon):
    def test_salesperson_cannot_approve_or_reject(self):
        partner = self._customer("Rights Co")
        plan = self._plan(partner, approve=False).with_user(self.user_salesman)
        plan.action_submit()
        self.assertEqual(plan.state, "submitted")
        with self.assertRaises(AccessError):
            plan.action_approve()
        with self.assertRaises(AccessError):
            plan.action_reject()
        with self.assertRaises(AccessError):
            plan.write({"state": "approved"})
        with self.assertRaises(AccessError):
            plan.with_user(self.user_salesman_all).action_approve()
        self.assertEqual(plan.state, "submitted")

    def test_manager_approves_and_it_is_tracked(self):
        partner = self._customer("Approve Co")
        plan = self._plan(partner, approve=False)
        self._flush_tracking()
        plan.with_user(self.user_salesman).action_submit()
        self._flush_tracking()
        plan.with_user(self.user_sales_manager).action_approve()
        self._flush_tracking()
        self.assertEqual(plan.state, "approved")
        self.assertEqual(plan.approver_id, self.user_sales_manager)
        tracked = plan.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "state"
        ).mapped("new_value_char")
        self.assertIn("Approved", tracked)
        self.assertIn("Submitted", tracked)

    def test_reject_needs_a_comment(self):
        partner = self._customer("Reject Co")
        plan = self._plan(partner, approve=False)
        plan.with_user(self.user_salesman).action_submit()
        manager_plan = plan.with_user(self.user_sales_manager)
        with self.assertRaises(UserError):
            manager_plan.action_reject()
        manager_plan.review_comment = "Too many visits for this customer"
        manager_plan.action_reject()
        self.assertEqual(plan.state, "rejected")
        plan.with_user(self.user_salesman).action_reset_draft()
        self.assertEqual(plan.state, "draft")

    def test_submit_needs_the_dedicated_account_manager(self):
        partner = self._customer("Key Co")
        partner._crm_set_manual_grade("S", reason="Key")
        plan = self.Plan.search([("partner_id", "=", partner.id), ("state", "=", "draft")])
        plan.account_manager_id = False
        with self.assertRaises(UserError):
            plan.with_user(self.user_salesman).action_submit()
        plan.account_manager_id = self.user_salesman_all
        plan.with_user(self.user_salesman).action_submit()
        self.assertEqual(
            plan.step_ids.filtered(lambda s: s.responsible_mode == "account_manager").user_id,
            self.user_salesman_all,
        )

    def test_salesperson_sees_only_plans_of_own_customers(self):
        other = new_test_user(
            self.env, login="crm_other_sales", groups="sales_team.group_sale_salesman"
        )
        mine = self._plan(self._customer("Mine Co"), approve=False)
        theirs = self._plan(self._customer("Theirs Co", user=other), approve=False, user=other)
        visible = self.Plan.with_user(self.user_salesman).search(
            [("id", "in", (mine | theirs).ids)]
        )
        self.assertEqual(visible, mine)
        managed = self.Plan.with_user(self.user_sales_manager).search(
            [("id", "in", (mine | theirs).ids)]
        )
        self.assertEqual(managed, mine | theirs)
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_salesman).write({"touch_limit": 9})

    def test_plan_reset_after_a_grade_change_cannot_join_the_current_one(self):
        partner = self._customer("Two Plans Co")
        old = self.Plan.search([("partner_id", "=", partner.id)])
        partner._crm_set_manual_grade("S", reason="Key account")
        current = self.Plan.search([("partner_id", "=", partner.id), ("state", "=", "draft")])
        self.assertEqual(old.state, "cancelled")
        current.with_user(self.user_salesman).action_submit()
        mine = self._as(self.user_salesman, old)
        mine.action_reset_draft()
        with self.assertRaises(UserError) as error:
            mine.action_submit()
        self.assertIn(current.display_name, str(error.exception))
        self.assertEqual(old.state, "draft")
        current.with_user(self.user_sales_manager).action_approve()
        with self.assertRaises(UserError):
            mine.action_submit()
        # submitted before the fix: the manager cannot approve it either
        old.sudo().write({"state": "submitted"})
        with self.assertRaises(UserError) as error:
            self._as(self.user_sales_manager, old).action_approve()
        self.assertIn(current.display_name, str(error.exception))
        self.assertEqual(
            self.Plan.search_count([("partner_id", "=", partner.id), ("state", "=", "approved")]),
            1,
        )

    def test_two_plans_of_one_customer_cannot_be_submitted_together(self):
        partner = self._customer("Twin Plans Co")
        plans = self._plan(partner, approve=False) | self._plan(partner, approve=False)
        with self.assertRaises(UserError):
            self._as(self.user_salesman, plans).action_submit()
        self.assertEqual(set(plans.mapped("state")), {"draft"})

    def _assert_locked(self, plan, step):
        """``plan`` and its ``step`` (as the salesperson) cannot be changed."""
        changes = {
            "touch limit": lambda: plan.write({"touch_limit": 0}),
            "touch period": lambda: plan.write({"touch_period": "quarter"}),
            "steps of the plan": lambda: plan.write(
                {"step_ids": [Command.create({"name": "Extra", "channel": "call"})]}
            ),
            "cadence": lambda: step.write({"cadence_count": 6}),
            "new step": lambda: self.Step.with_user(self.user_salesman).create(
                {"plan_id": plan.id, "name": "Extra", "channel": "call"}
            ),
            "deleted step": step.unlink,
        }
        for change, do in changes.items():
            with self.assertRaises(UserError, msg=change) as error:
                do()
            self.assertIn(plan.display_name, str(error.exception), change)
            self.assertIn("only draft or rejected plans", str(error.exception), change)

    def test_salesperson_cannot_change_a_submitted_approved_or_closed_plan(self):
        plans = {
            state: self._plan(
                self._customer(f"Locked {state}"),
                approve=state != "submitted",
                touch_limit=3,
            )
            for state in ("submitted", "approved", "done", "cancelled")
        }
        plans["submitted"].with_user(self.user_salesman).action_submit()
        plans["done"].with_user(self.user_salesman).action_done()
        plans["cancelled"].with_user(self.user_salesman).action_cancel()
        for state, plan in plans.items():
            self.assertEqual(plan.state, state)
            self.env.invalidate_all()
            mine = plan.with_user(self.user_salesman)
            self._assert_locked(mine, mine.step_ids)
            self.env.invalidate_all()
            self.assertEqual((plan.touch_limit, plan.touch_period), (3, "month"), state)
            self.assertEqual(plan.step_ids.mapped("cadence_count"), [1], state)

    def test_steps_deleted_with_their_plan_can_be_unlinked_again(self):
        # uninstall deletes the steps after their plan (cascade): no MissingError
        plan = self._plan(self._customer("Cascade Plan Co"))
        steps = plan.step_ids
        plan.unlink()
        steps.unlink()
        self.assertFalse(steps.exists())

    def test_manager_changes_an_approved_plan_and_salesperson_a_draft_one(self):
        approved = self._plan(self._customer("Managed Plan Co"), touch_limit=3)
        self._as(self.user_sales_manager, approved).write({"touch_limit": 5})
        self._as(self.user_sales_manager, approved.step_ids).write({"cadence_count": 2})
        self.assertEqual((approved.touch_limit, approved.step_ids.cadence_count), (5, 2))
        draft = self._plan(self._customer("Draft Plan Co"), approve=False)
        mine = self._as(self.user_salesman, draft)
        mine.write({"touch_limit": 4})
        mine.step_ids.write({"cadence_count": 3})
        self.Step.with_user(self.user_salesman).create(
            {"plan_id": draft.id, "name": "Extra", "channel": "call"}
        )
        self.assertEqual(draft.touch_limit, 4)
        self.assertEqual(sorted(draft.step_ids.mapped("cadence_count")), [1, 3])

    def test_reminders_of_an_approved_plan_still_move_its_steps(self):
        """The system paths (the cron, the activity hooks) keep writing the
        steps of approved plans when the salesperson handles a reminder."""
        plan = self._plan(self._customer("Handled Plan Co"))
        self._run_cron()
        self._as(self.user_salesman, plan.step_ids.activity_id).unlink()
        self.assertEqual(plan.step_ids.next_due_date, self.today + relativedelta(months=1))
        self.assertEqual(self.Reminder.search([("plan_id", "=", plan.id)]).state, "cancelled")


class TestFollowupProposalQueries(FollowupCommon):
    def test_proposal_query_count_does_not_depend_on_batch_size(self):
        """Closing the open plans and proposing new ones for 3 or 15 customers
        costs the same queries (the grading hook stays set-based)."""
        Partner = self.env["res.partner"].with_context(crm_skip_grading=True)
        groups = [
            Partner.create(
                [
                    {
                        "name": f"Proposal {size} {i}",
                        "is_company": True,
                        "is_crm_customer": True,
                        "user_id": self.user_salesman.id,
                        "customer_grade": "B",
                    }
                    for i in range(size)
                ]
            )
            for size in (1, 3, 15)
        ]
        for partners in groups:
            self.Plan.sudo()._crm_propose_for_partners(partners)
        self._flush_tracking()
        self.Plan.sudo()._crm_propose_for_partners(groups[0])  # warm-up of the caches
        counts = []
        for partners in groups[1:]:
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            with self.assertQueryCount(PROPOSAL_QUERIES):
                new = self.Plan.sudo()._crm_propose_for_partners(partners)
                self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
            self.assertEqual(len(new), len(partners))
        self.assertEqual(counts[0], counts[1], f"queries for 3 and 15 customers: {counts}")


PROPOSAL_QUERIES = 22


class TestFollowupViews(FollowupCommon):
    def test_views_load_for_salesperson_and_manager(self):
        views = {
            "crm.standard.followup.plan": ["list", "form", "kanban", "pivot", "search"],
            "crm.standard.followup.plan.step": ["list", "form", "calendar", "search"],
            "crm.standard.followup.template": ["list", "form", "search"],
            "crm.standard.followup.reminder": ["list"],
            "res.partner": ["form"],
        }
        for user in (self.user_salesman, self.user_sales_manager):
            for model, types in views.items():
                result = self.env[model].with_user(user).get_views([(False, t) for t in types])
                self.assertEqual(set(result["views"]), set(types))
        partner = self._customer("Smart Button Co")
        action = partner.with_user(self.user_salesman).action_view_crm_followup_plans()
        plans = self.Plan.with_user(self.user_salesman).search(action["domain"])
        self.assertEqual(plans.partner_id, partner)


class TestFollowupSeveralStepsDue(FollowupCommon):
    def test_two_steps_of_one_customer_due_the_same_day_both_remind(self):
        partner = self._customer("Two Steps Co")
        step = {"channel": "call", "cadence_count": 1, "cadence_unit": "months"}
        plan = self._plan(
            partner,
            steps=[
                dict(step, name="Call", next_due_date=self.today),
                dict(step, name="Mail", next_due_date=self.today),
                dict(step, name="Visit", next_due_date=self.today),
            ],
        )
        reminders = self._run_cron()
        self.assertEqual(len(reminders), 3)
        self.assertFalse(plan.reminder_error)
        self.assertEqual(len(plan.step_ids.activity_id), 3)
        self.assertEqual(
            plan.step_ids.mapped("activity_id.summary"), ["Call", "Mail", "Visit"], "in order"
        )

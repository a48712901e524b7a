# Two real cursors commit on purpose in TestFollowupConcurrency (cleaned up after).
# pylint: disable=invalid-commit
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from odoo.addons.crm_standard.models.crm_standard_followup_reminder import period_bounds

from .common import CrmStandardCommon, TwoConnectionsCase


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
            for t in Template.search([("company_id", "=", False), ("lifecycle_stage", "=", False)])
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


class TestFollowupReminders(FollowupCommon):
    def test_reminders_only_for_approved_plans(self):
        approved = self._plan(self._customer("Approved R"))
        draft = self._plan(self._customer("Draft R"), approve=False)
        submitted = self._plan(self._customer("Submitted R"), approve=False)
        submitted.with_user(self.user_salesman).action_submit()
        self._run_cron()
        self.assertFalse(self._activities(draft.partner_id | submitted.partner_id))
        activity = self._activities(approved.partner_id)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_salesman)
        self.assertEqual(activity.date_deadline, self.today)
        self.assertEqual(activity.activity_type_id, self.type_call)
        self.assertEqual(activity.summary, "Call")
        self.assertEqual(approved.step_ids.activity_id, activity)

    def test_second_run_creates_no_duplicate(self):
        plan = self._plan(self._customer("Twice R"))
        self._run_cron()
        self._run_cron()
        self.assertEqual(len(self._activities(plan.partner_id)), 1)
        # even when the link on the step is lost, the unique (step, due date) key holds
        self.env.cr.execute(
            "UPDATE crm_standard_followup_plan_step SET activity_id = NULL WHERE plan_id = %s",
            [plan.id],
        )
        self.env.invalidate_all()
        self.assertFalse(self._run_cron())
        self.assertEqual(len(self._activities(plan.partner_id)), 1)
        self.assertEqual(self.Reminder.search_count([("plan_id", "=", plan.id)]), 1)

    def test_mark_done_advances_by_the_cadence_and_records_the_contact(self):
        due = self.today - timedelta(days=2)
        plan = self._plan(
            self._customer("Done R"),
            steps=[
                {
                    "name": "Monthly visit",
                    "channel": "visit",
                    "cadence_count": 1,
                    "cadence_unit": "months",
                    "next_due_date": due,
                },
                {
                    "name": "Custom proposal before the deadline",
                    "channel": "email",
                    "cadence_unit": "once",
                    "next_due_date": self.today,
                    "responsible_mode": "fixed",
                    "responsible_id": self.user_salesman_all.id,
                },
            ],
        )
        self._run_cron()
        visit, proposal = plan.step_ids.sorted("sequence")[0], plan.step_ids.sorted("sequence")[1]
        self.assertEqual(proposal.activity_id.user_id, self.user_salesman_all)
        visit.activity_id.with_user(self.user_salesman).action_feedback(feedback="Met the CEO")
        self.assertEqual(visit.next_due_date, due + relativedelta(months=1))
        self.assertEqual(visit.last_contact_date, self.today)
        self.assertFalse(visit.activity_id)
        self.assertEqual(plan.last_contact_date, self.today)
        proposal.activity_id.with_user(self.user_salesman_all).action_feedback()
        self.assertTrue(proposal.done)
        self.assertEqual(
            set(self.Reminder.search([("plan_id", "=", plan.id)]).mapped("state")), {"done"}
        )
        self._run_cron()
        self.assertFalse(self._activities(plan.partner_id), "nothing is due again today")

    def test_deleted_reminder_skips_the_occurrence(self):
        plan = self._plan(self._customer("Dropped R"))
        self._run_cron()
        plan.step_ids.activity_id.unlink()
        self.assertEqual(plan.step_ids.next_due_date, self.today + relativedelta(months=1))
        self.assertFalse(plan.step_ids.last_contact_date)
        self.assertEqual(self.Reminder.search([("plan_id", "=", plan.id)]).state, "cancelled")

    def test_closing_or_cancelling_a_plan_drops_its_open_reminders(self):
        by_grade = self._plan(self._customer("Regraded R"))
        by_hand = self._plan(self._customer("Cancelled R"))
        self._run_cron()
        plans = by_grade | by_hand
        self.assertEqual(len(self._activities(plans.partner_id)), 2)
        by_grade.partner_id._crm_set_manual_grade("S", reason="Key account")
        self.assertEqual(by_grade.state, "done")
        by_hand.with_user(self.user_salesman).action_cancel()
        self.assertEqual(by_hand.state, "cancelled")
        self.assertFalse(self._activities(plans.partner_id), "out of the to-do lists")
        reminders = self.Reminder.search([("plan_id", "in", plans.ids)])
        self.assertEqual(reminders.mapped("state"), ["cancelled", "cancelled"])
        self.assertFalse(plans.step_ids.activity_id)

    def test_cancelling_a_submitted_plan_drops_the_review_activity(self):
        self.env["crm.team"].create(
            {
                "name": "Review Team",
                "user_id": self.user_sales_manager.id,
                "crm_team_member_ids": [Command.create({"user_id": self.user_salesman.id})],
            }
        )
        plan = self._plan(self._customer("Review R"), approve=False).with_user(self.user_salesman)
        plan.action_submit()
        self.assertEqual(plan.activity_ids.user_id, self.user_sales_manager)
        plan.action_cancel()
        self.assertFalse(plan.activity_ids)

    def test_overdue_digest_skips_reminders_of_closed_plans(self):
        step = {
            "name": "Late call",
            "channel": "call",
            "cadence_count": 1,
            "cadence_unit": "months",
            "next_due_date": self.today - timedelta(days=10),
        }
        plan = self._plan(self._customer("Closed Late"), steps=[step])
        self._run_cron()
        # a plan closed while its reminder stayed open (as before the fix)
        self.env.cr.execute(
            "UPDATE crm_standard_followup_plan SET state = 'cancelled' WHERE id = %s", [plan.id]
        )
        self.env.invalidate_all()
        self.assertEqual(self.Reminder.search([("plan_id", "=", plan.id)]).state, "open")
        self.assertEqual(self.Reminder._cron_crm_overdue_digest(), 0, "no digest sent")

    def test_touch_limit_postpones_and_says_why(self):
        steps = [
            {
                "name": f"Touch {i}",
                "channel": "call",
                "cadence_count": 1,
                "cadence_unit": "weeks",
                "next_due_date": self.today,
                "sequence": i,
            }
            for i in range(3)
        ]
        plan = self._plan(
            self._customer("Limit R"), steps=steps, touch_limit=2, touch_period="month"
        )
        self._run_cron()
        self.assertEqual(len(self._activities(plan.partner_id)), 2)
        postponed = plan.step_ids.filtered("postponed_reason")
        self.assertEqual(len(postponed), 1)
        next_month = period_bounds(self.today, "month")[1]
        self.assertEqual(postponed.next_due_date, next_month)
        self.assertIn("touch limit of 2", postponed.postponed_reason)
        self.assertIn(postponed.name, plan.postponed_info)
        self._run_cron()
        self.assertEqual(len(self._activities(plan.partner_id)), 2)

    def test_overdue_digest_one_message_per_manager(self):
        manager_2 = new_test_user(
            self.env, login="crm_manager_2", groups="sales_team.group_sale_manager"
        )
        old = self.today - timedelta(days=10)
        step = {
            "name": "Late call",
            "channel": "call",
            "cadence_count": 1,
            "cadence_unit": "months",
            "next_due_date": old,
        }
        plans = self.Plan
        for index in range(3):
            plans |= self._plan(self._customer(f"Late {index}"), steps=[step])
        plan_2 = self._plan(
            self._customer("Late other"), approve=False, steps=[step, dict(step, name="Other")]
        )
        plan_2.with_user(self.user_salesman).action_submit()
        plan_2.with_user(manager_2).action_approve()
        recent = self._plan(
            self._customer("Not late yet"), steps=[dict(step, next_due_date=self.today)]
        )
        self._run_cron()
        Message = self.env["mail.message"]
        before = Message.search([]).ids
        self.Reminder._cron_crm_overdue_digest()
        new = Message.search([("id", "not in", before)])
        to_1 = new.filtered(lambda m: self.user_sales_manager.partner_id in m.partner_ids)
        to_2 = new.filtered(lambda m: manager_2.partner_id in m.partner_ids)
        self.assertEqual(len(to_1), 1)
        self.assertEqual(len(to_2), 1)
        self.assertIn("Late 0", str(to_1.body))
        self.assertIn("Late 2", str(to_1.body))
        self.assertNotIn(recent.partner_id.name, str(to_1.body))
        self.assertIn("Other", str(to_2.body))
        self.assertIn("3", to_1.subject)
        # each overdue reminder is reported once
        before = Message.search([]).ids
        self.Reminder._cron_crm_overdue_digest()
        self.assertFalse(Message.search([("id", "not in", before)]))

    def test_broken_plan_is_logged_and_skipped(self):
        good = self._plan(self._customer("Good R"))
        broken = self._plan(self._customer("Broken R"))
        activity_class = self.registry["mail.activity"]
        original = activity_class.create

        def create(records, vals_list):
            if any(vals.get("res_id") == broken.partner_id.id for vals in vals_list):
                raise ValueError("broken follow-up data")
            return original(records, vals_list)

        with (
            patch.object(activity_class, "create", create),
            self.assertLogs(
                "odoo.addons.crm_standard.models.crm_standard_followup_reminder", level="ERROR"
            ) as logs,
        ):
            self._run_cron()
        self.assertIn(f"plan {broken.id} skipped", logs.output[0])
        self.assertEqual(len(self._activities(good.partner_id)), 1)
        self.assertFalse(self._activities(broken.partner_id))
        self.assertIn("broken follow-up data", broken.reminder_error)
        self.assertFalse(self.Reminder.search([("plan_id", "=", broken.id)]))
        # skipped until tomorrow, then retried
        self._run_cron()
        self.assertFalse(self._activities(broken.partner_id))

    def test_reminder_error_is_cleared_when_the_plan_gets_its_reminders(self):
        plan = self._plan(self._customer("Recovered R"))
        other = self._plan(self._customer("Still Failed R"))
        yesterday = self.today - timedelta(days=1)
        (plan | other).write({"reminder_error": "broken data", "reminder_error_date": yesterday})
        other.step_ids.sudo().write({"next_due_date": self.today + timedelta(days=3)})
        self._run_cron()
        self.assertEqual(len(self._activities(plan.partner_id)), 1)
        self.assertFalse(plan.reminder_error)
        self.assertFalse(plan.reminder_error_date)
        self.env.invalidate_all()
        self.assertEqual(
            (other.reminder_error, other.reminder_error_date),
            ("broken data", yesterday),
            "no reminder yet: the banner stays",
        )

    def test_cron_reports_progress_per_batch(self):
        for index in range(5):
            self._plan(self._customer(f"Batch {index}"))
        with patch.object(type(self.env["ir.cron"]), "_notify_progress", autospec=True) as progress:
            reminders = self._run_cron(batch_size=2)
        self.assertEqual(len(reminders), 5)
        dones = [call.kwargs["done"] for call in progress.call_args_list]
        self.assertEqual(dones[:3], [2, 4, 5])
        self.assertEqual(progress.call_args.kwargs["remaining"], 0)

    def test_query_count_does_not_depend_on_batch_size(self):
        """Same number of queries for a batch of 2 and of 6 steps (after a
        warm-up batch filling the registry caches)."""
        batches = [
            [self._plan(self._customer(f"Batch {size} {i}")) for i in range(size)]
            for size in (1, 2, 6)
        ]
        counts = []
        for plans in batches:
            self.env.invalidate_all()
            rows = self.Reminder._crm_claim_due_steps(
                self.today, 10, plan_ids=[p.id for p in plans]
            )
            self.assertEqual(len(rows), len(plans))
            before = self.cr.sql_log_count
            with self.assertQueryCount(QUERIES_PER_BATCH):
                self.assertEqual(
                    len(self.Reminder._crm_remind_batch(rows, self.today, set())), len(plans)
                )
                self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[1], counts[2], f"queries for 2 and 6 steps: {counts[1:]}")


QUERIES_PER_BATCH = 20


class TestFollowupConcurrency(TwoConnectionsCase):
    """Two cron workers on two real cursors: no duplicate reminder."""

    def setUp(self):
        super().setUp()
        self.plan_ids, self.partner_ids = [], []
        self.addCleanup(self._cleanup)
        self._create_plans()

    def _create_plans(self):
        """Three customers with an approved plan whose step is due today."""
        with self._committed_env({"tracking_disable": True, "crm_skip_grading": True}) as env:
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"Concurrent {i}",
                        "is_company": True,
                        "is_crm_customer": True,
                        "user_id": env.ref("base.user_admin").id,
                    }
                    for i in range(3)
                ]
            )
            today = fields.Date.context_today(env["res.partner"])
            plans = env["crm.standard.followup.plan"].create(
                [
                    {
                        "partner_id": partner.id,
                        "step_ids": [
                            Command.create(
                                {
                                    "name": "Concurrent call",
                                    "channel": "call",
                                    "next_due_date": today,
                                }
                            )
                        ],
                    }
                    for partner in partners
                ]
            )
            plans.action_submit()
            plans.action_approve()
            self.partner_ids = partners.ids
            self.plan_ids = plans.ids

    def _cleanup(self):
        with self._committed_env() as env:
            env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "in", self.partner_ids)]
            ).unlink()
            env["crm.standard.followup.plan"].browse(self.plan_ids).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

    def _counts(self):
        with self._committed_env() as env:
            activities = env["mail.activity"].search_count(
                [("res_model", "=", "res.partner"), ("res_id", "in", self.partner_ids)]
            )
            reminders = env["crm.standard.followup.reminder"].search_count(
                [("plan_id", "in", self.plan_ids)]
            )
            return activities, reminders

    def test_two_workers_at_once_create_no_duplicates(self):
        with self._two_workers() as (env1, env2):
            # worker 1 holds its steps (not committed yet), worker 2 runs meanwhile
            first = env1["crm.standard.followup.reminder"]._cron_crm_send_reminders()
            second = env2["crm.standard.followup.reminder"]._cron_crm_send_reminders()
            self.assertEqual(len(first), 3)
            self.assertEqual(len(second), 0, "worker 2 skips the steps worker 1 holds")
            env1.cr.commit()
            env2.cr.commit()
        self.assertEqual(self._counts(), (3, 3))

    def test_worker_with_an_older_snapshot_creates_no_duplicates(self):
        with self._two_workers() as (env1, env2):
            env2.cr.execute(
                "SELECT 1 FROM crm_standard_followup_plan_step LIMIT 1"
            )  # snapshot of worker 2
            first = env1["crm.standard.followup.reminder"]._cron_crm_send_reminders()
            env1.cr.commit()
            # worker 2 still sees the steps as due, but they were just processed
            second = env2["crm.standard.followup.reminder"]._cron_crm_send_reminders()
            env2.cr.commit()
            self.assertEqual(len(first), 3)
            self.assertEqual(len(second), 0)
        self.assertEqual(self._counts(), (3, 3))
        # and a later run is idempotent
        with self._committed_env() as env:
            self.assertFalse(env["crm.standard.followup.reminder"]._cron_crm_send_reminders())
        self.assertEqual(self._counts(), (3, 3))


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

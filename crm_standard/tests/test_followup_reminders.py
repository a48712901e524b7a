# Two real cursors commit on purpose in TestFollowupConcurrency (cleaned up after).
# pylint: disable=invalid-commit
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.crm_standard.models.crm_standard_followup_reminder import period_bounds

from .common import TwoConnectionsCase
from .test_followup_plans import FollowupCommon


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

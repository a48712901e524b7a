"""Improvement actions (issue 23, step 6): created from a feedback form or the
monthly feedback summary, an owner with an activity due on the deadline, a
status tracked until done, the overdue filter, and who sees and changes what."""

from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestImprovementActions(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Improvement = cls.env["crm.standard.improvement"]
        cls.customer = cls._create_customer("Feedback Co", user_id=cls.user_salesman.id)
        cls.other_customer = cls._create_customer("Elsewhere Co", user_id=cls.user_salesman_all.id)
        Feedback = cls.env["crm.standard.feedback"]
        cls.feedback = Feedback.create(
            {
                "partner_id": cls.customer.id,
                "state": "done",
                "efficiency": 2,
                "professionalism": 4,
                "result": 3,
                "suggestions": "Reports come <late>",
            }
        )
        cls.feedback_other = Feedback.create(
            {
                "partner_id": cls.other_customer.id,
                "state": "done",
                "efficiency": 1,
                "professionalism": 2,
                "result": 2,
            }
        )

    def _create_from(
        self, feedback, user, owner, deadline=date(2027, 3, 31), name="Faster reports"
    ):
        """The web client's path: the feedback's button, then the new form saved."""
        action = feedback.with_user(user).action_crm_create_improvement()
        self.env.invalidate_all()
        model = self.env[action["res_model"]].with_user(user).with_context(**action["context"])
        with Form(model) as form:
            form.name = name
            form.user_id = owner
            form.date_deadline = deadline
        return self.Improvement.browse(form.record.id)

    def _activity(self, action):
        return action.activity_ids.filtered(
            lambda a: (
                a.activity_type_id == self.env.ref("crm_standard.mail_activity_type_improvement")
            )
        )

    def test_manager_creates_an_action_from_a_feedback_with_an_activity_for_the_owner(self):
        action = self._create_from(self.feedback, self.user_sales_manager, self.user_salesman)
        self.assertEqual(action.feedback_ids, self.feedback)
        self.assertEqual(action.partner_ids, self.customer)
        self.assertEqual(self.feedback.improvement_ids, action)
        self.assertEqual(action.state, "draft")
        # the customer's suggestion is quoted, escaped
        self.assertIn("Reports come &lt;late&gt;", str(action.description))
        activity = self._activity(action)
        self.assertEqual(
            (activity.user_id, activity.date_deadline, activity.summary),
            (self.user_salesman, date(2027, 3, 31), "Faster reports"),
        )

    def test_rows_selected_in_the_monthly_summary_give_one_action_for_all(self):
        both = self.feedback | self.feedback_other
        action = self._create_from(both, self.user_service_manager, self.user_service_agent)
        self.assertEqual(action.feedback_ids, both)
        self.assertEqual(action.partner_ids, self.customer | self.other_customer)
        self.assertEqual(both.mapped("improvement_count"), [1, 1])

    def test_owner_tracks_the_action_until_done_with_a_result(self):
        action = self._create_from(self.feedback, self.user_sales_manager, self.user_salesman)
        self._run_precommit()  # Odoo tracks no change of a record created in the transaction
        mine = self._as(self.user_salesman, action)
        mine.action_crm_start()
        self.assertEqual(mine.state, "in_progress")
        self._run_precommit()  # one tracking message per transaction
        with self.assertRaisesRegex(ValidationError, "Result"):
            mine.action_crm_done()
        with freeze_time("2027-03-20"):
            mine.result = "Reports are sent on Monday mornings"
            mine.action_crm_done()
        self.assertEqual((action.state, action.date_done), ("done", date(2027, 3, 20)))
        self.assertFalse(self._activity(action), "the owner's activity is done")
        self._run_precommit()
        tracked = action.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "state"
        )
        self.assertEqual(
            sorted(tracked.mapped("new_value_char")), ["Done", "In Progress"], "chatter"
        )
        with self.assertRaisesRegex(UserError, "Status"):
            mine.action_crm_start()

    def test_cancelling_removes_the_activity_and_reset_brings_it_back(self):
        action = self._create_from(self.feedback, self.user_sales_manager, self.user_salesman)
        action.with_user(self.user_salesman).action_crm_cancel()
        self.assertFalse(self._activity(action))
        action.with_user(self.user_sales_manager).action_crm_reset()
        self.assertEqual(len(self._activity(action)), 1)

    def test_only_managers_change_owner_or_deadline_and_the_activity_follows(self):
        action = self._create_from(self.feedback, self.user_sales_manager, self.user_salesman)
        with self.assertRaisesRegex(UserError, "Deadline"):
            self._as(self.user_salesman, action).write({"date_deadline": date(2027, 12, 31)})
        with self.assertRaisesRegex(UserError, "Owner"):
            self._as(self.user_salesman, action).write({"user_id": self.user_salesman_all.id})
        self._as(self.user_sales_manager, action).write(
            {"user_id": self.user_salesman_all.id, "date_deadline": date(2027, 4, 15)}
        )
        activity = self._activity(action)
        self.assertEqual(
            (activity.user_id, activity.date_deadline), (self.user_salesman_all, date(2027, 4, 15))
        )

    def test_owner_must_be_an_internal_user_of_the_company(self):
        portal = new_test_user(self.env, login="crm_portal_owner", groups="base.group_portal")
        with self.assertRaisesRegex(ValidationError, "Owner"):
            self.Improvement.create(
                {"name": "X", "user_id": portal.id, "date_deadline": date(2027, 1, 1)}
            )

    def test_overdue_filter_lists_open_actions_past_their_deadline(self):
        late = self._create_from(
            self.feedback, self.user_sales_manager, self.user_salesman, date(2027, 1, 10), "Late"
        )
        self._create_from(
            self.feedback, self.user_sales_manager, self.user_salesman, date(2027, 2, 10), "Later"
        )
        done = self._create_from(
            self.feedback, self.user_sales_manager, self.user_salesman, date(2027, 1, 5), "Done"
        )
        done.write({"result": "ok"})
        done.action_crm_done()
        view = self.env.ref("crm_standard.crm_standard_improvement_view_search")
        with freeze_time("2027-01-20"):
            self.env.invalidate_all()
            result = self.Improvement.with_user(self.user_salesman).web_search_read(
                [("is_overdue", "=", True)], {"name": {}, "is_overdue": {}}
            )
            self.assertEqual([r["name"] for r in result["records"]], ["Late"])
            self.assertTrue(late.is_overdue)
        self.assertIn('name="overdue"', view.arch)

    def test_salesperson_reads_own_and_own_customers_actions_and_writes_own_only(self):
        own = self._create_from(self.feedback, self.user_sales_manager, self.user_salesman)
        for_customer = self._create_from(
            self.feedback, self.user_sales_manager, self.user_service_agent, name="Hotline"
        )
        foreign = self._create_from(
            self.feedback_other, self.user_sales_manager, self.user_salesman_all, name="Other"
        )
        everything = own | for_customer | foreign
        self.env.invalidate_all()
        Sally = self.Improvement.with_user(self.user_salesman)
        self.assertEqual(Sally.search([("id", "in", everything.ids)]), own | for_customer)
        with self.assertRaises(AccessError):
            for_customer.with_user(self.user_salesman).write({"result": "not mine"})
        with self.assertRaises(AccessError):
            Sally.create({"name": "X", "date_deadline": date(2027, 1, 1)})
        # the agent: own only; all documents: read all, write own; managers: all
        self.env.invalidate_all()
        agent = self.Improvement.with_user(self.user_service_agent)
        self.assertEqual(agent.search([("id", "in", everything.ids)]), for_customer)
        alex = self.Improvement.with_user(self.user_salesman_all)
        self.assertEqual(alex.search([("id", "in", everything.ids)]), everything)
        with self.assertRaises(AccessError):
            own.with_user(self.user_salesman_all).write({"result": "not mine"})
        foreign.with_user(self.user_salesman_all).write({"result": "mine"})
        svc = self.Improvement.with_user(self.user_service_manager)
        self.assertEqual(svc.search([("id", "in", everything.ids)]), everything)

    def test_actions_of_another_company_are_not_seen(self):
        company_b = self.env["res.company"].create({"name": "Improvement Company B"})
        self.user_sales_manager.write({"company_ids": [(4, company_b.id)]})
        other = self.Improvement.create(
            {
                "name": "B's action",
                "user_id": self.user_sales_manager.id,
                "date_deadline": date(2027, 1, 1),
                "company_id": company_b.id,
            }
        )
        self.env.invalidate_all()
        for user in (self.user_service_manager, self.user_salesman_all):
            self.assertFalse(self.Improvement.with_user(user).search([("id", "=", other.id)]))
        # a member of company B sees it only with company B among the allowed ones
        manager = self.Improvement.with_user(self.user_sales_manager)
        main_only = manager.with_context(allowed_company_ids=[self.company.id])
        self.assertFalse(main_only.search([("id", "=", other.id)]))
        both = manager.with_context(allowed_company_ids=[self.company.id, company_b.id])
        self.assertEqual(both.search([("id", "=", other.id)]), other)

    def test_done_on_follows_the_status_when_the_owner_drags_the_card(self):
        action = self._create_from(self.feedback, self.user_sales_manager, self.user_salesman)
        self.env.invalidate_all()
        mine = self._as(self.user_salesman, action)
        # the kanban groups by status: a drag to the Done column is a web_save of the status
        with freeze_time("2027-03-20"):
            mine.web_save({"state": "done", "result": "Reports on Mondays"}, {})
        self.assertEqual((action.state, action.date_done), ("done", date(2027, 3, 20)))
        mine.web_save({"state": "draft"}, {})  # dragged back: no longer done
        self.assertFalse(action.date_done)

    def test_owner_cannot_write_the_done_date(self):
        action = self._create_from(self.feedback, self.user_sales_manager, self.user_salesman)
        self.env.invalidate_all()
        with self.assertRaisesRegex(AccessError, "Done On"):
            self._as(self.user_salesman, action).write({"date_done": date(2020, 1, 1)})
        self.assertFalse(action.date_done)

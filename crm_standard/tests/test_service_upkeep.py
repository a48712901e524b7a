"""Relationship upkeep (issue 23, step 5): the satisfaction result of a revisit
on the customer, the one-click upsell opportunity of a ticket, greetings."""

from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, freeze_time, tagged

from .test_followup_plans import FollowupCommon
from .test_tickets import CrmStandardTicketCommon


@tagged("post_install", "-at_install")
class TestRevisitSatisfaction(FollowupCommon):
    def _revisit(self, name="Revisit Co"):
        plan = self._plan(
            self._customer(name),
            steps=[
                {
                    "name": "Monthly revisit",
                    "channel": "visit",
                    "cadence_count": 1,
                    "cadence_unit": "months",
                    "next_due_date": self.today,
                }
            ],
        )
        self._run_cron()
        return plan, plan.step_ids.activity_id

    def test_revisit_mark_done_records_the_satisfaction_on_the_customer(self):
        plan, activity = self._revisit()
        self.env.invalidate_all()
        # the "mark done" dialog (activity form popup) as the salesperson
        view = self.env.ref("mail.mail_activity_view_form_popup")
        with Form(activity.with_user(self.user_salesman), view=view) as form:
            self.assertTrue(form.crm_is_revisit)
            form.crm_satisfaction = "4"
            form.crm_satisfaction_comment = "Happy with the hotline"
        activity.with_user(self.user_salesman).action_done()
        customer = plan.partner_id
        self.assertEqual(customer.crm_last_satisfaction, 4)
        self.assertEqual(customer.crm_last_satisfaction_date, self.today)
        result = customer.crm_satisfaction_ids
        self.assertEqual(result.comment, "Happy with the hotline")
        self.assertEqual(result.step_id, plan.step_ids)
        self.assertEqual(result.user_id, self.user_salesman)
        self.assertEqual(customer._crm_satisfaction_scores(), {customer.id: 4.0})
        # the step moved on as for any follow-up done
        self.assertEqual(plan.step_ids.last_contact_date, self.today)

    def test_revisit_done_without_a_result_records_nothing(self):
        plan, activity = self._revisit()
        activity.with_user(self.user_salesman).action_feedback(feedback="Nobody there")
        self.assertFalse(plan.partner_id.crm_satisfaction_ids)
        self.assertEqual(plan.partner_id.crm_last_satisfaction, 0)
        self.assertEqual(plan.partner_id._crm_satisfaction_scores(), {})

    def test_last_result_wins_and_the_score_is_the_average_of_the_period(self):
        plan, activity = self._revisit()
        activity.write({"crm_satisfaction": "2"})
        activity.action_done()
        customer = plan.partner_id
        self.env["crm.standard.satisfaction"].create(
            {"partner_id": customer.id, "score": 5, "date": self.today}
        )
        self.assertEqual(customer.crm_last_satisfaction, 5)
        self.assertEqual(customer._crm_satisfaction_scores(), {customer.id: 3.5})

    def test_satisfaction_outside_1_to_5_is_refused(self):
        customer = self._customer("Bad Score Co")
        with self.assertRaisesRegex(ValidationError, "between 1 and 5"):
            self.env["crm.standard.satisfaction"].create({"partner_id": customer.id, "score": 6})

    def test_salesperson_reads_results_of_own_customers_only(self):
        own = self._customer("Own Sat Co")
        other = self._customer("Other Sat Co", user=self._create_colleague())
        Sat = self.env["crm.standard.satisfaction"]
        results = Sat.create([{"partner_id": p.id, "score": 3} for p in own | other])
        seen = self._as(self.user_salesman, "crm.standard.satisfaction").search(
            [("id", "in", results.ids)]
        )
        self.assertEqual(seen.partner_id, own)


@tagged("post_install", "-at_install")
class TestTicketUpsell(CrmStandardTicketCommon):
    def test_service_agent_creates_a_linked_opportunity_for_the_salesperson(self):
        ticket = self._ticket(name="Needs a second site", user_id=self.user_service_agent.id)
        result = self._as(self.user_service_agent, ticket).action_crm_create_upsell()
        lead = ticket.lead_id
        self.assertTrue(lead)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_id, self.contact)
        self.assertEqual(lead.user_id, self.user_salesman)
        self.assertIn("Needs a second site", lead.name)
        self.assertIs(result, True, "the agent cannot open an opportunity: no form to show")
        action = self._as(self.user_salesman, ticket).lead_id
        self.assertEqual(action.name, lead.name)
        with self.assertRaisesRegex(UserError, "already linked"):
            ticket.action_crm_create_upsell()


@tagged("post_install", "-at_install")
class TestGreetings(CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"crm_greeting_enabled": True, "crm_greeting_days_before": 3})
        cls.customer.write({"is_crm_customer": True, "founding_date": date(2010, 10, 8)})
        cls.Holiday = cls.env["crm.standard.holiday"]
        cls.Holiday.create({"name": "National Day", "date": date(2027, 10, 1)})

    def _greetings(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("summary", "like", "Greeting:"),
            ]
        )

    def test_holiday_greeting_activity_n_days_before_once(self):
        with freeze_time("2027-09-27"):
            self.Holiday._cron_crm_greetings()
            self.assertFalse(self._greetings())
        with freeze_time("2027-09-28"):
            self.Holiday._cron_crm_greetings()
            self.Holiday._cron_crm_greetings()
        greeting = self._greetings()
        self.assertEqual(len(greeting), 1)
        self.assertEqual(greeting.summary, "Greeting: National Day")
        self.assertEqual(greeting.date_deadline, date(2027, 10, 1))
        self.assertEqual(greeting.user_id, self.user_salesman)

    def test_founding_anniversary_greeting(self):
        with freeze_time("2027-10-05"):
            self.Holiday._cron_crm_greetings()
        self.assertEqual(self._greetings().summary, "Greeting: founding anniversary")
        self.assertEqual(self._greetings().date_deadline, date(2027, 10, 8))

    def test_company_switch_and_customer_opt_out(self):
        self.customer.crm_greeting_opt_out = True
        with freeze_time("2027-09-28"):
            self.Holiday._cron_crm_greetings()
        self.assertFalse(self._greetings())
        self.customer.crm_greeting_opt_out = False
        self.company.crm_greeting_enabled = False
        with freeze_time("2027-09-28"):
            self.Holiday._cron_crm_greetings()
        self.assertFalse(self._greetings())

"""Relationship upkeep (issue 23, step 5): the satisfaction result of a revisit
on the customer, and the one-click upsell opportunity of a ticket."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

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

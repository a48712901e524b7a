"""The onboarding tours of the Learn menu (实施指南 阶段五), one per role, run
as that role in Chromium: what the tour cannot see is asserted after it."""

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .test_tickets import CrmStandardTicketCommon


@tagged("post_install", "-at_install")
class TestRoleTours(CrmStandardTicketCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        # no team leader anywhere: the reviews go to the sales managers
        cls.env["crm.team"].search([("user_id", "!=", False)]).user_id = False

    def _approved_plan(self, customer, step_name):
        plan = self.env["crm.standard.followup.plan"].create(
            {
                "partner_id": customer.id,
                "step_ids": [Command.create({"name": step_name, "next_due_date": self.today})],
            }
        )
        plan.action_submit()
        plan.action_approve()
        return plan

    def test_learn_menu_starts_one_tour_per_role(self):
        tours = {
            "crm_standard.crm_standard_menu_learn_salesperson": "crm_standard_salesperson_day",
            "crm_standard.crm_standard_menu_learn_sales_manager": "crm_standard_sales_manager_day",
            "crm_standard.crm_standard_menu_learn_agent": "crm_standard_agent_day",
            "crm_standard.crm_standard_menu_learn_admin": "crm_standard_admin_setup",
        }
        for xmlid, tour in tours.items():
            action = self.env.ref(xmlid).action
            self.assertEqual(action.tag, "crm_standard_start_tour")
            self.assertEqual(action.params, {"tour": tour})
        menus = self.env["ir.ui.menu"].with_user(self.user_salesman)._visible_menu_ids()
        self.assertIn(self.env.ref("crm_standard.crm_standard_menu_learn_salesperson").id, menus)
        self.assertNotIn(self.env.ref("crm_standard.crm_standard_menu_learn_admin").id, menus)

    def test_salesperson_day_tour(self):
        self.company.crm_pool_enabled = True
        day = self._create_customer("Tour Day Co", user_id=self.user_salesman.id)
        day.action_make_customer()
        # the grade tag is on the customer; the form shows the badge only
        self.assertTrue(day.category_id.filtered("crm_is_grade_tag"))
        self._approved_plan(day, "Tour due call")
        pool = self._create_customer("Tour Pool Co", user_id=False)
        pool.action_make_customer()

        self.start_tour("/odoo", "crm_standard_salesperson_day", login=self.user_salesman.login)

        self.assertTrue(day.message_ids.filtered(lambda m: "Called the buyer" in str(m.body)))
        override = self.env["crm.standard.grade.override"].search([("partner_id", "=", day.id)])
        self.assertEqual(override.requested_grade, "A")
        self.assertEqual(override.requested_by_id, self.user_salesman)
        self.assertEqual(override.state, "pending")
        self.assertIn("framework contract", override.reason)
        self.assertEqual(pool.user_id, self.user_salesman)
        self.assertEqual(
            self.env["crm.standard.pool.claim"].search([("partner_id", "=", pool.id)]).user_id,
            self.user_salesman,
        )

    def test_sales_manager_day_tour(self):
        renamed = self._create_customer("Tour Rename Co", user_id=self.user_salesman.id)
        renamed.action_make_customer()
        self._as(self.user_salesman, renamed).write({"name": "Tour Renamed Co"})
        request = self.env["crm.standard.change.request"].search(
            [("partner_id", "=", renamed.id), ("state", "=", "pending")]
        )
        self.assertEqual(len(request), 1)
        planned = self._create_customer("Tour Plan Co", user_id=self.user_salesman.id)
        planned.action_make_customer()
        plan = (
            self.env["crm.standard.followup.plan"]
            .with_user(self.user_salesman)
            .create({"partner_id": planned.id, "step_ids": [Command.create({"name": "Call"})]})
        )
        plan.action_submit()

        self.start_tour(
            "/odoo", "crm_standard_sales_manager_day", login=self.user_sales_manager.login
        )

        self.env.invalidate_all()
        self.assertEqual(request.state, "approved")
        self.assertEqual(renamed.name, "Tour Renamed Co")
        self.assertEqual(plan.state, "rejected")
        self.assertEqual(plan.review_comment, "Visit them instead")

    def test_agent_day_tour(self):
        self.customer.action_make_customer()
        self._create_opportunity(
            self.customer, name="Tour Background Deal", user_id=self.user_salesman.id
        )
        ticket = self._ticket(name="Tour printer")
        ticket.user_id = False  # not auto-assigned: the agent takes it

        self.start_tour("/odoo", "crm_standard_agent_day", login=self.user_service_agent.login)

        self.env.invalidate_all()
        self.assertEqual(ticket.user_id, self.user_service_agent)
        self.assertTrue(ticket.first_response_date, "the answer is the first response")
        self.assertTrue(ticket.is_closed)

    def test_admin_setup_tour(self):
        self.team.name = "Tour Support"
        self.start_tour("/odoo", "crm_standard_admin_setup", login="admin")

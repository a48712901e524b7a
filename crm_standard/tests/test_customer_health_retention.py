from datetime import timedelta

from odoo.exceptions import UserError

from .test_customer_health import HealthCommon


class TestHealthRetention(HealthCommon):
    def _at_risk(self, name, user=None):
        """A C customer never contacted in 200 days: recency 0, at risk."""
        return self._customer(name, grade="C", user=user)

    def test_entering_at_risk_proposes_one_retention_plan_from_the_template(self):
        partner = self._at_risk("Risky")
        self._score(partner)
        self.assertEqual(partner.crm_health_band, "at_risk")
        plan = self._retention_plans(partner)
        self.assertEqual(len(plan), 1)
        self.assertEqual(plan.state, "submitted", "approved like any plan")
        self.assertEqual(plan.template_id, self.env.ref("crm_standard.followup_template_retention"))
        self.assertEqual(
            plan.step_ids.mapped("next_due_date"),
            [self.today + timedelta(days=d) for d in (2, 7, 30)],
        )
        # still at risk the next day: no second plan
        self.env.cr.execute(
            "UPDATE res_partner SET crm_health_band = 'watch' WHERE id = %s", [partner.id]
        )
        self.env.invalidate_all()
        self._score(partner)
        self.assertEqual(len(self._retention_plans(partner)), 1, "never two retention plans")

    def test_retention_plan_lives_beside_the_grade_plan(self):
        partner = self._at_risk("Two Tracks")
        Plan = self.env["crm.standard.followup.plan"]
        grade_plan = Plan.create(
            {
                "partner_id": partner.id,
                "template_id": self.env.ref("crm_standard.followup_template_grade_c").id,
            }
        )
        grade_plan.action_submit()
        self._score(partner)
        retention = self._retention_plans(partner)
        self._as(self.user_sales_manager, retention).action_approve()
        self.assertEqual(retention.state, "approved")
        self.assertEqual(grade_plan.state, "submitted")

    def test_sales_manager_own_proposal_is_approved_at_once(self):
        partner = self._at_risk("Manager Start", user=self.user_salesman)
        self._score(partner.with_context(crm_skip_retention=True))
        self.assertFalse(self._retention_plans(partner))
        self._as(self.user_sales_manager, partner).action_crm_retention_start()
        plan = self._retention_plans(partner)
        self.assertEqual(plan.state, "approved")
        self.assertEqual(plan.approver_id, self.user_sales_manager)
        with self.assertRaisesRegex(UserError, "Retention: Manager Start has a retention plan"):
            self._as(self.user_sales_manager, partner).action_crm_retention_start()

    def test_salesperson_recomputes_the_health_of_own_customer(self):
        partner = self._at_risk("Recompute Me", user=self.user_salesman)
        self._as(self.user_salesman, partner).action_crm_health_recompute()
        self.env.invalidate_all()
        self.assertEqual(partner.crm_health_band, "at_risk")

    def test_recovered_then_cooldown_then_a_new_plan(self):
        partner = self._at_risk("Cooldown")
        self._score(partner)
        plan = self._retention_plans(partner)
        contact = self._contact(partner, 0)
        self._score(partner)
        self.assertEqual(partner.crm_health_band, "healthy")
        self.assertEqual(plan.crm_retention_outcome, "recovered")
        self.assertEqual(plan.crm_retention_rate, 100.0)
        self.assertIn(plan.state, ("done", "cancelled"))
        contact.unlink()
        self._score(partner)
        self.assertEqual(partner.crm_health_band, "at_risk")
        self.assertEqual(len(self._retention_plans(partner)), 1, "cooldown: no new plan")
        # after the cooldown, entering at risk again proposes a new one
        plan.date_end = self.today - timedelta(days=61)
        self.env.cr.execute(
            "UPDATE res_partner SET crm_health_band = 'watch' WHERE id = %s", [partner.id]
        )
        self.env.invalidate_all()
        self._score(partner)
        self.assertEqual(len(self._retention_plans(partner)), 2)

    def test_churn_closes_the_retention_plan_as_lost(self):
        partner = self._at_risk("Churner")
        self._score(partner)
        plan = self._retention_plans(partner)
        partner.action_mark_churned()
        self.assertEqual(plan.crm_retention_outcome, "lost")
        self.assertEqual(plan.crm_retention_rate, 0.0)
        self.assertEqual(plan.state, "cancelled")

    def test_one_digest_per_user_per_run(self):
        leader_team = self.env["crm.team"].create(
            {
                "name": "Health Team",
                "user_id": self.user_sales_manager.id,
                "member_ids": [(4, self.user_salesman.id)],
            }
        )
        self.assertEqual(self.user_salesman.sale_team_id, leader_team)
        partners = self._at_risk("Digest A") | self._at_risk("Digest B")
        self._score(partners)
        Plan = self.env["crm.standard.followup.plan"]
        before = self.env["mail.message"].search_count([])
        self.assertEqual(Plan._crm_retention_send_digests(), 2, "salesperson and manager")
        messages = self.env["mail.message"].search([], order="id desc", limit=2)
        self.assertEqual(self.env["mail.message"].search_count([]), before + 2)
        self.assertEqual(
            set(messages.partner_ids.ids),
            {self.user_salesman.partner_id.id, self.user_sales_manager.partner_id.id},
        )
        self.assertIn("Digest A", messages[0].body)
        self.assertIn("Digest B", messages[0].body)
        self.assertEqual(Plan._crm_retention_send_digests(), 0, "each plan reported once")

    def test_ticket_shows_the_churn_risk_to_service(self):
        partner = self._at_risk("Ticket Risk")
        self._score(partner)
        ticket = self.env["crm.standard.ticket"].create({"name": "Help", "partner_id": partner.id})
        self.assertEqual(self._as(self.user_service_manager, ticket).crm_health_band, "at_risk")

from datetime import timedelta

from odoo.tests import new_test_user, tagged

from .test_kpi_measures import KpiCommon


@tagged("post_install", "-at_install")
class TestKpiDigest(KpiCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.digest = cls.env["digest.digest"].create(
            {
                "name": "CRM Standard weekly",
                "periodicity": "weekly",
                "company_id": cls.company.id,
                "kpi_crm_standard_completeness": True,
                "kpi_crm_standard_conversion": True,
                "kpi_crm_standard_ticket_response": True,
            }
        )

    def _kpis(self, user):
        self.env.invalidate_all()
        return {
            kpi["kpi_name"]: kpi["kpi_col2"]["value"]  # last 7 days
            for kpi in self.digest._compute_kpis(self.company, user)
            if kpi["kpi_name"].startswith("kpi_crm_standard")
        }

    def test_default_digest_has_the_crm_standard_kpis(self):
        default = self.env.ref("digest.digest_digest_default")
        self.assertTrue(default.kpi_crm_standard_completeness)
        self.assertTrue(default.kpi_crm_standard_ticket_response)

    def test_salesperson_digest_shows_the_figures_of_their_own_documents(self):
        # completeness of their four customers; no ticket figure (no service role)
        self.assertEqual(
            self._kpis(self.user_salesman),
            {"kpi_crm_standard_completeness": "75.00", "kpi_crm_standard_conversion": "75.00"},
        )

    def test_manager_digest_shows_the_company_figures(self):
        kpis = self._kpi("completeness_avg", "company") | self._kpi("lead_conversion", "company")
        values = kpis._crm_kpi_compute(self.today - timedelta(days=7), self.today)
        figures = self._kpis(self.user_sales_manager)
        self.assertEqual(figures["kpi_crm_standard_completeness"], "%.2f" % values[kpis[0].id])
        self.assertNotIn("kpi_crm_standard_ticket_response", figures)

    def test_agent_digest_shows_their_ticket_figures_only(self):
        self.assertEqual(
            self._kpis(self.user_service_agent), {"kpi_crm_standard_ticket_response": "2.00"}
        )

    def test_user_without_crm_role_gets_no_crm_standard_figure(self):
        user = new_test_user(self.env, login="kpi_internal", groups="base.group_user")
        self.assertEqual(self._kpis(user), {})

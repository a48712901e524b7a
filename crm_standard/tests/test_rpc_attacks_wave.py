"""Attacks over RPC on what the KPI, dashboard, migration and service-delivery
work added: each is refused by an access right, a record rule or the
system-set field guard, not only by the views."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestRpcAttacksWave(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colleague = cls._create_colleague()
        cls.their_customer = cls._create_customer("Their Customer Co", user_id=cls.colleague.id)
        cls.their_lead = cls._create_opportunity(cls.their_customer, user_id=cls.colleague.id)
        cls.my_customer = cls._create_customer("My Customer Co", user_id=cls.user_salesman.id)
        cls.my_lead = cls._create_opportunity(cls.my_customer, user_id=cls.user_salesman.id)
        cls.portal_user = new_test_user(
            cls.env, login="crm_attack_portal", groups="base.group_portal"
        )

    def test_salesperson_cannot_set_the_legacy_reference_of_a_colleague_opportunity(self):
        lead = self._as(self.user_salesman, self.their_lead)
        with self.assertRaises(AccessError):
            lead.write({"crm_legacy_ref": "OLD-1"})

    def test_customer_grade_and_health_on_the_opportunity_do_not_write_through(self):
        # read-only related fields have no inverse: the write reaches nothing
        grade, band = self.my_customer.customer_grade, self.my_customer.crm_health_band
        lead = self._as(self.user_salesman, self.my_lead)
        lead.write({"crm_customer_grade": "S", "crm_customer_health_band": "healthy"})
        self._run_precommit()
        self.assertEqual(
            (self.my_customer.customer_grade, self.my_customer.crm_health_band), (grade, band)
        )

    def test_salesperson_and_agent_cannot_create_kpis_values_or_refresh_them(self):
        for user in (self.user_salesman, self.user_service_agent):
            with self.assertRaises(AccessError):
                self._as(user, "crm.standard.kpi").create(
                    {"name": "Mine", "measure": "lead_conversion", "scope": "company"}
                )
            kpi = self.env.ref("crm_standard.crm_standard_kpi_conversion")
            with self.assertRaises(AccessError):
                self._as(user, "crm.standard.kpi.value").create(
                    {"kpi_id": kpi.id, "date_from": "2026-01-01", "date_to": "2026-01-31"}
                )
            with self.assertRaises(AccessError):
                self._as(user, kpi).action_crm_kpi_refresh()

    def test_salesperson_cannot_create_an_improvement_action_or_greeting_log(self):
        with self.assertRaises(AccessError):
            self._as(self.user_salesman, "crm.standard.improvement").create(
                {"name": "Self-assigned", "user_id": self.user_salesman.id}
            )
        with self.assertRaises(AccessError):
            self._as(self.user_salesman, "crm.standard.greeting").create(
                {"partner_id": self.their_customer.id}
            )

    def test_portal_user_reads_none_of_the_new_models(self):
        for model in (
            "crm.standard.kpi",
            "crm.standard.kpi.value",
            "crm.standard.improvement",
            "crm.standard.greeting",
            "crm.standard.migration.batch",
        ):
            with self.assertRaises(AccessError, msg=model):
                self._as(self.portal_user, model).search_read([], ["id"])

"""Shared customers (no company) are graded, released and claimed with the
settings of their salesperson's company, else the main company: never those
of whoever triggers the recompute."""

from odoo.tests import new_test_user

from .test_customer_grading import GradingCommon


class TestSharedCustomers(GradingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main = cls.env.ref("base.main_company")
        cls.main.write({"crm_grade_value_high": 500000.0, "crm_grade_value_medium": 100000.0})
        cls.company_b = cls.env["res.company"].create(
            {
                "name": "Shared Co B",
                "currency_id": cls.main.currency_id.id,
                "crm_grade_value_high": 200000.0,
                "crm_grade_value_medium": 50000.0,
                "crm_pool_enabled": True,
                "crm_pool_claim_limit": 1,
            }
        )
        cls.main.write({"crm_pool_enabled": True, "crm_pool_claim_limit": 0})
        cls.user_b = new_test_user(
            cls.env,
            login="shared_sales_b",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, (cls.company_b | cls.main).ids)],
        )

    def _shared(self, name, user, revenue=300000.0):
        partner = self._graded_customer(name, revenue, company_id=False)
        partner.user_id = user
        return partner

    def test_shared_customer_is_graded_with_its_salespersons_company(self):
        partner = self._shared("Shared B Customer", self.user_b)
        for company in (self.main, self.company_b):
            # whoever triggers the recompute, in whichever company
            partner.with_company(company)._crm_recompute_grades()
            self.env.invalidate_all()
            self.assertEqual(partner.crm_value_level, "high", "company B: above 200,000")

    def test_shared_customer_nobody_owns_follows_the_main_company(self):
        partner = self._shared("Shared Pool Customer", False)
        for company in (self.main, self.company_b):
            partner.with_company(company)._crm_recompute_grades()
            self.env.invalidate_all()
            self.assertEqual(partner.crm_value_level, "medium", "main company: below 500,000")
            self.assertEqual(partner.with_company(company)._crm_pool_company(), self.main)

    def test_shared_customer_settings_company_of_its_salesperson(self):
        partner = self._shared("Shared Owned B", self.user_b)
        self.assertEqual(partner.with_company(self.main)._crm_pool_company(), self.company_b)
        partner.user_id = self.user_salesman
        self.assertEqual(partner.with_company(self.company_b)._crm_pool_company(), self.main)

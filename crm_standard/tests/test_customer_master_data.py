from datetime import date, timedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestCompanyProfile(CrmStandardCommon):
    def test_profile_fields_and_customer_type(self):
        partner = self._create_customer(
            employee_count=120, annual_revenue=2_000_000, founding_date="2010-01-01"
        )
        self.assertEqual(partner.customer_type, "enterprise")
        self.assertEqual(partner.crm_currency_id, self.company.currency_id)
        person = self.env["res.partner"].create({"name": "Solo Trader"})
        self.assertEqual(person.customer_type, "individual")

    def test_negative_employee_count_is_rejected_naming_the_field(self):
        with self.assertRaisesRegex(ValidationError, "Employees"):
            self._create_customer(employee_count=-1)

    def test_negative_annual_revenue_is_rejected_naming_the_field(self):
        with self.assertRaisesRegex(ValidationError, "Annual Revenue"):
            self._create_customer(annual_revenue=-5)

    def test_future_founding_date_is_rejected(self):
        tomorrow = date.today() + timedelta(days=2)
        with self.assertRaisesRegex(ValidationError, "Founding Date"):
            self._create_customer(founding_date=tomorrow)

    def test_decision_role_on_contact(self):
        company = self._create_customer()
        contact = self.env["res.partner"].create(
            {
                "name": "Boss",
                "parent_id": company.id,
                "function": "CEO",
                "decision_role": "decision_maker",
            }
        )
        self.assertEqual(contact.decision_role, "decision_maker")

    def test_profile_changes_are_tracked_in_chatter(self):
        partner = self._create_customer(is_crm_customer=True)
        self._flush_tracking()  # Odoo skips tracking of records created in the same transaction
        partner.with_user(self.user_sales_manager).write({"employee_count": 42})
        self._flush_tracking()
        tracked = partner.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "employee_count"
        )
        self.assertEqual(tracked.new_value_integer, 42)


@tagged("post_install", "-at_install")
class TestLeadNeeds(CrmStandardCommon):
    def test_needs_fields_on_opportunity(self):
        partner = self._create_customer()
        interest = self.env.ref("crm_standard.interest_software")
        lead = self._create_opportunity(
            partner,
            need_description="ERP",
            interest_ids=[(6, 0, interest.ids)],
            expected_purchase_date="2030-01-01",
            budget=50000,
            need_priority="3",
        )
        self.assertEqual(lead.interest_ids, interest)
        self.assertEqual(lead.budget, 50000)
        self.assertEqual(lead.industry_id, self.industry_it, "industry comes from the customer")

    def test_negative_budget_is_rejected_naming_the_field(self):
        partner = self._create_customer()
        with self.assertRaisesRegex(ValidationError, "Budget"):
            self._create_opportunity(partner, budget=-1)

    def test_lead_profile_goes_to_partner_on_conversion(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Inbound",
                "type": "lead",
                "partner_name": "Converted Co",
                "email_from": "buyer@converted.example.com",
                "industry_id": self.industry_retail.id,
                "employee_count": 33,
            }
        )
        lead._handle_partner_assignment(create_missing=True)
        partner = lead.partner_id.commercial_partner_id
        self.assertEqual(partner.industry_id, self.industry_retail)
        self.assertEqual(partner.employee_count, 33)


@tagged("post_install", "-at_install")
class TestBatchCreate(CrmStandardCommon):
    def _vals(self, n, prefix):
        return [
            {
                "name": f"{prefix} Batch {i}",
                "is_company": True,
                "is_crm_customer": True,
                "industry_id": self.industry_it.id,
                "email": f"b{i}@{prefix.lower()}.example.com",
                "phone": f"+86 10 6552 {i:04d}",
                "employee_count": i,
            }
            for i in range(n)
        ]

    def _create_batch(self, n, prefix):
        self.env["res.partner"].with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
        ).create(self._vals(n, prefix))
        self.env.flush_all()

    def test_batch_create_query_count_does_not_grow_with_n(self):
        # Odoo's ORM inserts rows by chunks of 100 (partners, and the steps of
        # the follow-up plans proposed to new customers): sizes stay in one chunk.
        self._create_batch(5, "Warm")  # fills the caches the first create needs
        with self.assertQueryCount(__system__=24):
            self._create_batch(5, "Five")
        with self.assertQueryCount(__system__=24):
            self._create_batch(30, "Thirty")

    def test_batch_create_of_1000_customers(self):
        Partner = self.env["res.partner"].with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        partners = Partner.create(self._vals(1000, "Thousand"))
        self.assertEqual(len(set(partners.mapped("customer_code"))), 1000)
        self.assertTrue(all(partners.mapped("customer_code")))

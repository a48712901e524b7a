from odoo.tests import tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestCustomerCode(CrmStandardCommon):
    def test_first_opportunity_makes_company_customer_with_code(self):
        partner = self._create_customer()
        self.assertFalse(partner.customer_code)
        self.assertFalse(partner.is_crm_customer)
        self._create_opportunity(partner)
        self.assertTrue(partner.is_crm_customer)
        self.assertRegex(partner.customer_code, r"^CUS\d{6}$")

    def test_opportunity_on_contact_codes_the_company_not_the_contact(self):
        company = self._create_customer()
        contact = self.env["res.partner"].create({"name": "Joe", "parent_id": company.id})
        self._create_opportunity(contact)
        self.assertTrue(company.customer_code)
        self.assertFalse(contact.customer_code)

    def test_lead_does_not_make_customer_until_converted(self):
        partner = self._create_customer()
        lead = self.env["crm.lead"].create(
            {"name": "Lead", "type": "lead", "partner_id": partner.id}
        )
        self.assertFalse(partner.customer_code)
        lead.convert_opportunity(partner)
        self._run_precommit()
        self.assertTrue(partner.customer_code)

    def test_make_customer_button_assigns_code_once(self):
        partner = self._create_customer(phone="+86 10 6552 9988")
        partner.action_make_customer()
        code = partner.customer_code
        self.assertTrue(code)
        partner.action_make_customer()
        partner.write({"is_crm_customer": True})
        self.assertEqual(partner.customer_code, code)

    def test_codes_are_unique_and_not_copied(self):
        first = self._create_customer(is_crm_customer=True)
        second = self._create_customer("Other Co", is_crm_customer=True)
        self.assertNotEqual(first.customer_code, second.customer_code)
        copy = first.copy()
        self.assertFalse(copy.customer_code)
        self.assertFalse(copy.is_crm_customer)

    def test_customer_code_is_searchable(self):
        partner = self._create_customer(is_crm_customer=True)
        found = self.env["res.partner"].name_search(partner.customer_code)
        self.assertFalse(found, "name_search is Odoo's, code search goes through the filter")
        self.assertEqual(
            self.env["res.partner"].search([("customer_code", "=", partner.customer_code)]), partner
        )

    def test_contact_created_as_customer_makes_its_company_customer(self):
        company = self._create_customer()
        contact = self.env["res.partner"].create(
            {"name": "Jane", "parent_id": company.id, "is_crm_customer": True}
        )
        self.assertTrue(company.is_crm_customer)
        self.assertFalse(contact.is_crm_customer)
        self.assertFalse(contact.customer_code)

    def test_install_hook_codes_existing_opportunity_partners(self):
        partner = self._create_customer()
        self.env["crm.lead"].with_context(active_test=False).search(
            [("partner_id", "=", partner.id)]
        ).unlink()
        self.env.cr.execute(
            "INSERT INTO crm_lead (name, type, partner_id, active, probability, stage_id,"
            " company_id, create_date, write_date)"
            " VALUES ('raw', 'opportunity', %s, true, 10, %s, %s, now(), now())",
            [partner.id, self.stage_new.id, self.company.id],
        )
        self.env.invalidate_all()
        # as installing the module computes its new stored fields of existing rows
        Lead = self.env["crm.lead"].with_context(active_test=False)
        raw = Lead.search([("name", "=", "raw"), ("partner_id", "=", partner.id)])
        self.env.add_to_compute(Lead._fields["crm_commercial_partner_id"], raw)
        self.assertFalse(partner.customer_code)
        self.env["res.partner"]._crm_mark_existing_customers()
        self.assertTrue(partner.customer_code)
        self.assertEqual(partner.lifecycle_stage, "intent")

    def test_demo_customers_have_codes_profiles_and_stages(self):
        huaxin = self.env.ref("crm_standard.partner_demo_huaxin", raise_if_not_found=False)
        if not huaxin:
            self.skipTest("demo data not loaded")
        self.assertTrue(huaxin.customer_code)
        self.assertEqual(huaxin.lifecycle_stage, "repeat")
        self.assertEqual(self.env.ref("crm_standard.partner_demo_yunfan").lifecycle_stage, "deal")
        self.assertEqual(self.env.ref("crm_standard.partner_demo_jinhe").lifecycle_stage, "intent")
        self.assertEqual(
            self.env.ref("crm_standard.partner_demo_lixin").lifecycle_stage, "potential"
        )
        self.assertGreaterEqual(huaxin.completeness_score, 90)

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from odoo.addons.crm_standard.models.res_partner import (
    is_valid_email_field,
    normalize_company_name,
)

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestDataQuality(CrmStandardCommon):
    def test_invalid_email_on_customer_rejected_naming_field(self):
        partner = self._create_customer(is_crm_customer=True)
        with self.assertRaisesRegex(ValidationError, "E-mail"):
            partner.email = "not-an-email"

    def test_invalid_phone_on_customer_rejected_naming_field(self):
        partner = self._create_customer(is_crm_customer=True)
        with self.assertRaisesRegex(ValidationError, "Phone"):
            partner.phone = "12"

    def test_valid_formats_accepted(self):
        partner = self._create_customer(is_crm_customer=True)
        partner.write({"email": "Ops <ops@valid.example.com>", "phone": "+86 10 6552 9988"})
        self.assertEqual(partner.crm_phone_sanitized, "+861065529988")

    def test_contact_of_customer_is_validated_too(self):
        company = self._create_customer(is_crm_customer=True)
        with self.assertRaisesRegex(ValidationError, "E-mail"):
            self.env["res.partner"].create(
                {"name": "Bad", "parent_id": company.id, "email": "bad@@x"}
            )

    def test_legacy_phone_does_not_block_the_first_opportunity(self):
        # Odoo's own demo contact (crm tour): a number phonenumbers rejects
        partner = self.env["res.partner"].create(
            {
                "name": "Brandon Freeman",
                "phone": "(355)-687-3262",
                "country_id": self.env.ref("base.us").id,
            }
        )
        self._create_opportunity(partner)
        self.assertTrue(partner.commercial_partner_id.is_crm_customer)
        with self.assertRaisesRegex(ValidationError, "Phone"):
            partner.phone = "(355)-687-3263"

    def _openwood(self):
        # Odoo's demo company: a Belgian number phonenumbers rejects
        partner = self.env.ref("base.res_partner_5")
        self.assertEqual(partner.phone, "+32 987 65 43 21")
        return partner

    def test_legacy_phone_not_rechecked_when_opportunities_write_the_email(self):
        partner = self._openwood()
        self._create_opportunity(partner, email_from="sales@openwood.example.com")
        self.assertTrue(partner.is_crm_customer)
        # a new opportunity's address is written to the customer (Odoo's
        # inverse): its phone, accepted before, is not checked again
        self._create_opportunity(partner, email_from="deals@openwood.example.com")
        self.assertEqual(partner.email, "deals@openwood.example.com")
        partner.write({"email": "hello@openwood.example.com", "city": "Orval"})
        self.assertEqual(partner.phone, "+32 987 65 43 21")
        # what is written is checked
        with self.assertRaisesRegex(ValidationError, "Phone"):
            partner.phone = "+32 12"
        with self.assertRaisesRegex(ValidationError, "Mobile"):
            partner.mobile = "12"
        with self.assertRaisesRegex(ValidationError, "E-mail"):
            partner.email = "hello-at-openwood"

    def test_legacy_phone_does_not_block_an_opportunity_import(self):
        partner = self._openwood()
        fields = ["name", "type", "partner_id/.id", "email_from", "phone"]
        content = (
            ",".join(fields) + "\n"
            f'OpenWood deal,opportunity,{partner.id},sales@openwood.example.com,"+32 987 65 43 21"\n'
        )
        importer = self.env["base_import.import"].create(
            {
                "res_model": "crm.lead",
                "file": content.encode(),
                "file_name": "leads.csv",
                "file_type": "text/csv",
            }
        )
        options = {"has_headers": True, "quoting": '"', "separator": ",", "encoding": "utf-8"}
        result = importer.execute_import(fields, fields, options)
        self.assertEqual([m["message"] for m in result["messages"] if m["type"] == "error"], [])
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertTrue(partner.is_crm_customer)
        self.assertEqual(partner.email, "sales@openwood.example.com")

    def test_format_validation_can_be_disabled(self):
        self.company.crm_validate_formats = False
        partner = self._create_customer(is_crm_customer=True)
        partner.email = "whatever"
        self.assertEqual(partner.email, "whatever")

    def test_non_customer_partners_are_not_validated(self):
        partner = self.env["res.partner"].create({"name": "Vendor", "email": "vendor-at-x"})
        self.assertEqual(partner.email, "vendor-at-x")

    def test_failed_write_leaves_record_unchanged(self):
        partner = self._create_customer(is_crm_customer=True, phone="+86 10 6552 9988")
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            partner.write({"phone": "+86 10 1111 2222", "email": "broken"})
        self.env.invalidate_all()
        self.assertEqual(partner.phone, "+86 10 6552 9988")

    def test_make_customer_requires_key_fields(self):
        partner = self.env["res.partner"].create({"name": "Bare Co", "is_company": True})
        with self.assertRaisesRegex(ValidationError, "Industry.*Phone or E-mail"):
            partner.action_make_customer()
        self.assertFalse(partner.is_crm_customer)
        partner.write({"industry_id": self.industry_it.id})
        self.env["res.partner"].create(
            {"name": "Contact", "parent_id": partner.id, "email": "c@bare.example.com"}
        )
        partner.action_make_customer()
        self.assertTrue(partner.customer_code)

    def test_missing_fields_listed_on_customer(self):
        partner = self.env["res.partner"].create(
            {"name": "Gap Co", "is_company": True, "is_crm_customer": True}
        )
        self.assertIn("Industry", partner.crm_missing_fields)

    def test_malformed_emails_rejected(self):
        partner = self._create_customer(is_crm_customer=True)
        for email in (
            "a@b..cn",
            "a@.b.cn",
            "a@b.cn.",
            "zhang@acme.cn junk",
            "junk zhang@acme.cn",
            "Zhang <zhang@acme.cn> junk",
            "zhang@acme.cn li@acme.cn",
            "zhang@acme.cn, li@acme..cn",
        ):
            self.assertFalse(is_valid_email_field(email), email)
            with self.assertRaisesRegex(ValidationError, "E-mail"), self.env.cr.savepoint():
                partner.email = email

    def test_long_malformed_email_list_is_rejected_without_backtracking(self):
        # 40 named addresses then junk: a pattern whose blanks could be the
        # item's or the separator's tried 2**40 splits here (a hung worker)
        self.assertFalse(is_valid_email_field(("Ops <ops@acme.cn>, " * 40) + "junk"))
        self.assertTrue(is_valid_email_field(", ".join(["Ops <ops@acme.cn>"] * 40)))

    def test_valid_email_forms_still_accepted(self):
        partner = self._create_customer(is_crm_customer=True)
        for email in (
            "zhang@acme.cn",
            "a.b+tag@sub.acme.example.com",
            "Ops <ops@valid.example.com>",
            "<ops@valid.example.com>",
            '"Zhang, San" <zhang@acme.cn>',
            "zhang@acme.cn, li@acme.cn",
            "zhang@acme.cn; li@acme.cn",
            "Zhang San <zhang@acme.cn>, Li Si <li@acme.cn>",
            "张三 <zhang@例子.中国>",
            "zhang@例子.中国",
        ):
            self.assertTrue(is_valid_email_field(email), email)
            partner.email = email
            self.assertEqual(partner.email, email)

    def test_strict_mode_lets_system_writes_through(self):
        """The strict check is the user's: opportunities, the lifecycle and
        Odoo's own bookkeeping still write an incomplete customer."""
        self.company.crm_strict_required_fields = True
        partner = self._create_customer("No Industry Co", industry_id=False)
        lead = self._create_opportunity(partner)
        self.assertTrue(partner.is_crm_customer, "its first opportunity makes it a customer")
        self.assertEqual(partner.lifecycle_stage, "intent")
        lead.action_set_won()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "deal")
        self.assertTrue(partner.last_won_date)
        partner.action_mark_churned()
        self.assertEqual(partner.lifecycle_stage, "churned")
        partner.action_recompute_lifecycle()
        self.assertEqual(partner.lifecycle_stage, "deal")
        partner._message_receive_bounce(partner.email, partner)
        self.assertEqual(partner.message_bounce, 1)
        # a user's save of the customer still gets the check
        with self.assertRaisesRegex(ValidationError, "lacks required key fields: Industry"):
            partner.with_user(self.user_sales_manager).write({"website": "https://x.example.com"})
        partner.with_user(self.user_sales_manager).write({"industry_id": self.industry_it.id})
        self.assertEqual(partner.industry_id, self.industry_it)

    def test_strict_mode_blocks_saving_incomplete_customer(self):
        self.company.crm_strict_required_fields = True
        partner = self._create_customer(is_crm_customer=True)
        with self.assertRaisesRegex(ValidationError, "Industry"):
            partner.industry_id = False

    def test_required_fields_are_configurable(self):
        vat_field = self.env["ir.model.fields"]._get("res.partner", "vat")
        self.company.crm_required_field_ids = [(4, vat_field.id)]
        partner = self._create_customer()
        with self.assertRaisesRegex(ValidationError, "Tax ID"):
            partner.action_make_customer()

    def test_completeness_score(self):
        partner = self.env["res.partner"].create({"name": "Half Co", "is_company": True})
        self.assertEqual(partner.completeness_score, 10)
        partner.write(
            {
                "industry_id": self.industry_it.id,
                "email": "x@half.example.com",
                "country_id": self.env.ref("base.cn").id,
                "city": "Xi'an",
            }
        )
        self.assertEqual(partner.completeness_score, 50)
        partner.write(
            {
                "employee_count": 5,
                "annual_revenue": 10,
                "founding_date": "2001-01-01",
                "vat": "123",
                "website": "https://half.example.com",
            }
        )
        self.assertEqual(partner.completeness_score, 100)

    def test_contact_email_counts_for_company_completeness(self):
        partner = self.env["res.partner"].create({"name": "Via Contact", "is_company": True})
        before = partner.completeness_score
        self.env["res.partner"].create(
            {"name": "C", "parent_id": partner.id, "email": "c@via.example.com"}
        )
        self.assertEqual(partner.completeness_score, before + 10)

    def test_incomplete_profile_filter(self):
        complete = self._create_customer(
            is_crm_customer=True,
            country_id=self.env.ref("base.cn").id,
            city="X",
            employee_count=1,
            annual_revenue=1,
            founding_date="2000-01-01",
            vat="1",
            website="https://c.example.com",
        )
        incomplete = self._create_customer("Thin Co", is_crm_customer=True)
        found = self.env["res.partner"].search(
            [("is_crm_customer", "=", True), ("completeness_score", "<", 100)]
        )
        self.assertIn(incomplete, found)
        self.assertNotIn(complete, found)

    def test_duplicates_by_vat_email_phone_and_name(self):
        original = self._create_customer(
            "Shanghai Widgets Co., Ltd.", vat="CN123", phone="+86 21 6000 0001"
        )
        partner = self.env["res.partner"]
        self.assertIn(original, partner.create({"name": "x1", "vat": "cn123"}).crm_duplicate_ids)
        self.assertIn(
            original,
            partner.create({"name": "x2", "email": original.email.upper()}).crm_duplicate_ids,
        )
        self.assertIn(
            original, partner.create({"name": "x3", "phone": "+862160000001"}).crm_duplicate_ids
        )
        self.assertIn(
            original,
            partner.create({"name": "shanghai widgets", "is_company": True}).crm_duplicate_ids,
        )
        self.assertFalse(partner.create({"name": "Unrelated"}).crm_duplicate_ids)

    def test_duplicate_warning_in_form(self):
        self._create_customer("Beijing Gears Inc")
        with Form(self.env["res.partner"]) as form:
            form.company_type = "company"
            form.name = "BEIJING GEARS"
            self.assertEqual(form.crm_duplicate_count, 1)
            form.name = "Totally New"
            self.assertEqual(form.crm_duplicate_count, 0)

    def test_name_normalization(self):
        self.assertEqual(normalize_company_name("Acme, Inc."), "acme")
        self.assertEqual(normalize_company_name("华信精密有限公司"), "华信精密")
        self.assertEqual(normalize_company_name("Café  Müller GmbH"), "cafemuller")

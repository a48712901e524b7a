from datetime import date, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from odoo.addons.crm_standard.models.res_partner import (
    is_valid_email_field,
    normalize_company_name,
)

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
class TestLifecycle(CrmStandardCommon):
    def test_no_opportunity_is_potential(self):
        partner = self._create_customer(is_crm_customer=True)
        self.assertEqual(partner.lifecycle_stage, "potential")

    def test_open_opportunity_is_intent(self):
        partner = self._create_customer()
        self._create_opportunity(partner)
        self.assertEqual(partner.lifecycle_stage, "intent")

    def test_one_won_is_deal_then_second_won_is_repeat(self):
        partner = self._create_customer()
        first = self._create_opportunity(partner)
        first.action_set_won()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "deal")
        self.assertTrue(partner.last_won_date)
        self._create_opportunity(partner, won=True)
        self.assertEqual(partner.lifecycle_stage, "repeat")

    def test_mass_conversion_refreshes_customers_once_per_transaction(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Mass {i}", "is_company": True} for i in range(20)]
        )
        leads = self.env["crm.lead"].create(
            [{"name": f"L{i}", "type": "lead", "partner_id": p.id} for i, p in enumerate(partners)]
        )
        for lead in leads:
            lead.convert_opportunity(lead.partner_id)
        self.assertFalse(any(partners.mapped("customer_code")), "refresh waits for commit")
        queued = self.env.cr.precommit.data["crm_standard.customer_refresh"]
        self.assertEqual(queued["mark"], set(partners.ids))
        self._run_precommit()
        self.assertTrue(all(partners.mapped("customer_code")))
        self.assertEqual(set(partners.mapped("lifecycle_stage")), {"intent"})

    def test_won_on_contact_counts_for_company(self):
        company = self._create_customer()
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": company.id})
        self._create_opportunity(contact, won=True)
        self.assertEqual(company.lifecycle_stage, "deal")

    def test_lifecycle_stats_take_two_queries_whatever_the_batch_size(self):
        companies = self.env["res.partner"].create(
            [{"name": f"Stats {i}", "is_company": True} for i in range(6)]
        )
        contacts = self.env["res.partner"].create(
            [{"name": f"Buyer {i}", "parent_id": c.id} for i, c in enumerate(companies)]
        )
        for contact in contacts[:3]:
            self._create_opportunity(contact, won=True)
        self._create_opportunity(companies[3])
        self.env.flush_all()
        with self.assertQueryCount(2):
            small = companies[:2]._crm_lifecycle_stats()
        with self.assertQueryCount(2):
            stats = companies._crm_lifecycle_stats()
        self.assertEqual(small[companies[0].id], stats[companies[0].id])
        self.assertEqual([stats[c.id]["won"] for c in companies], [1, 1, 1, 0, 0, 0])
        self.assertEqual([stats[c.id]["open"] for c in companies], [0, 0, 0, 1, 0, 0])

    def test_lost_opportunity_goes_back_to_potential(self):
        partner = self._create_customer()
        lead = self._create_opportunity(partner)
        lead.action_set_lost()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "potential")

    def test_stage_change_is_tracked(self):
        partner = self._create_customer()
        self._flush_tracking()
        self._create_opportunity(partner)
        self._flush_tracking()
        values = partner.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "lifecycle_stage"
        )
        self.assertTrue(values)

    def test_manual_churn_holds_until_new_opportunity(self):
        partner = self._create_customer()
        self._create_opportunity(partner, won=True)
        partner.action_mark_churned()
        self.assertEqual(partner.lifecycle_stage, "churned")
        partner._crm_recompute_lifecycle()
        self.assertEqual(partner.lifecycle_stage, "churned", "recompute keeps a manual churn")
        lost = self._create_opportunity(partner)
        self.assertFalse(partner.lifecycle_churn_date, "a new opportunity lifts the mark")
        self.assertEqual(partner.lifecycle_stage, "deal")
        partner.action_mark_churned()
        lost.action_set_lost()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "churned", "losing a deal is no new business")

    def test_manual_churn_holds_through_moves_of_existing_opportunities(self):
        """Only new business lifts the mark: a new opportunity of the customer
        or one won. Moving an open one between stages, losing it, restoring
        it or handing it to another contact of the customer keeps it."""
        stage_qualified = self.env["crm.stage"].create({"name": "Qualified (test)", "sequence": 2})
        partner = self._create_customer()
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": partner.id})
        self._create_opportunity(partner, won=True)
        lead = self._create_opportunity(partner)
        partner.action_mark_churned()
        for vals in (
            {"stage_id": stage_qualified.id},
            {"probability": 55},
            {"partner_id": contact.id},
            {"stage_id": self.stage_new.id, "partner_id": partner.id},
        ):
            lead.write(dict(vals))  # Odoo adds to the dict it writes
            self._run_precommit()
            self.assertTrue(partner.lifecycle_churn_date, f"kept after {vals}")
            self.assertEqual(partner.lifecycle_stage, "churned", f"kept after {vals}")
        lead.action_set_lost()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "churned", "losing it keeps the mark")
        lead.action_unarchive()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "churned", "restoring it is no new business")
        lead.action_set_won()
        self._run_precommit()
        self.assertFalse(partner.lifecycle_churn_date, "winning it lifts the mark")
        self.assertEqual(partner.lifecycle_stage, "repeat")

    def test_manual_churn_lifted_by_an_opportunity_becoming_the_customers(self):
        partner = self._create_customer()
        self._create_opportunity(partner, won=True)
        other = self._create_customer("Other Co")
        moved = self._create_opportunity(other)
        partner.action_mark_churned()
        moved.partner_id = partner
        self._run_precommit()
        self.assertFalse(partner.lifecycle_churn_date, "a new opportunity of the customer")
        self.assertEqual(partner.lifecycle_stage, "deal")
        partner.action_mark_churned()
        lead = self.env["crm.lead"].create(
            {"name": "Inbound", "type": "lead", "partner_id": partner.id}
        )
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "churned", "a lead is not an opportunity yet")
        lead.convert_opportunity(partner)
        self._run_precommit()
        self.assertFalse(partner.lifecycle_churn_date, "a lead converted to an opportunity")

    def test_opportunity_created_won_counts_its_creation_as_last_win(self):
        """Odoo sets ``date_closed`` on a stage write only: an opportunity
        created in a won stage was won when it was created."""
        self.company.crm_churn_months = 12
        now = fields.Datetime.now()
        partner = self._create_customer()
        lead = self._create_opportunity(partner, won=True)
        self.assertFalse(lead.date_closed)
        self.assertEqual(partner.last_won_date, now.date())
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s",
            [now - timedelta(days=400), lead.id],
        )
        self.env.invalidate_all()
        self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertEqual(partner.last_won_date, (now - timedelta(days=400)).date())
        self.assertEqual(partner.lifecycle_stage, "churned")
        # a closing date counts instead of the creation date, even an older one
        closed = self._create_opportunity(partner)
        closed.action_set_won()
        self._run_precommit()
        self.assertEqual(partner.last_won_date, now.date())
        closed.date_closed = now - timedelta(days=500)
        self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertEqual(partner.last_won_date, (now - timedelta(days=400)).date())

    def test_no_win_for_churn_period_is_churned_by_cron(self):
        self.company.crm_churn_months = 12
        partner = self._create_customer()
        lead = self._create_opportunity(partner, won=True)
        lead.date_closed = fields.Datetime.now() - timedelta(days=400)
        self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertEqual(partner.lifecycle_stage, "churned")
        self.company.crm_churn_months = 0
        self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertEqual(partner.lifecycle_stage, "deal", "0 months disables the rule")

    def test_lifecycle_cron_skips_a_failing_customer_and_goes_on(self):
        self.company.crm_churn_months = 12
        bad, good = self._create_customer("Bad Co"), self._create_customer("Good Co")
        for partner in bad | good:
            lead = self._create_opportunity(partner, won=True)
            lead.date_closed = fields.Datetime.now() - timedelta(days=400)
        Partner = type(self.env["res.partner"])
        original = Partner._crm_lifecycle_from_stats

        def failing(partner, entry, today):
            if partner.id == bad.id:
                raise ValueError("broken customer")
            return original(partner, entry, today)

        with (
            patch.object(Partner, "_crm_lifecycle_from_stats", failing),
            self.assertLogs(
                "odoo.addons.crm_standard.models.res_partner_lifecycle", "ERROR"
            ) as logs,
        ):
            self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertIn(str(bad.id), logs.output[0])
        self.assertEqual(good.lifecycle_stage, "churned")
        self.assertEqual(bad.lifecycle_stage, "deal")

    def test_negative_churn_months_rejected(self):
        with self.assertRaisesRegex(ValidationError, "Churn After"):
            self.company.crm_churn_months = -1


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

"""Ownership: a partner with a salesperson is a customer, and a customer's
open work follows its salesperson (handover) on every path."""

import importlib.util
from datetime import timedelta
from pathlib import Path

from .test_followup_plans import FollowupCommon


class OwnershipCommon(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_colleague = cls._create_colleague(login="crm_own_colleague")
        cls.company.write({"crm_pool_enabled": True, "crm_pool_claim_limit": 0})

    def _form_save(self, user, partner, vals):
        """The form's save (``web_save``) as ``user``."""
        self.env.invalidate_all()
        records = partner.with_user(user) if partner else self.env["res.partner"].with_user(user)
        result = records.web_save(vals, {"display_name": {}})
        return self.env["res.partner"].browse(result[0]["id"])

    def _query_count(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before


class TestSalespersonMakesCustomer(OwnershipCommon):
    def test_company_saved_with_a_salesperson_in_the_form_is_a_customer_with_code(self):
        partner = self._form_save(
            self.user_sales_manager,
            None,
            {"name": "Form Owned Co", "is_company": True, "user_id": self.user_salesman.id},
        )
        self.env.invalidate_all()
        self.assertTrue(partner.is_crm_customer)
        self.assertTrue(partner.customer_code)
        self.assertTrue(partner.crm_visibility_restricted)
        # so a colleague restricted to their own customers no longer reads it
        visible = self._as(self.user_colleague, "res.partner").search([("id", "=", partner.id)])
        self.assertFalse(visible)

    def test_salesperson_given_in_contacts_makes_the_company_a_customer(self):
        partner = self.env["res.partner"].create({"name": "Contacts App Co", "is_company": True})
        self.assertFalse(partner.is_crm_customer)
        self._form_save(self.user_sales_manager, partner, {"user_id": self.user_salesman.id})
        self.env.invalidate_all()
        self.assertTrue(partner.is_crm_customer)
        self.assertTrue(partner.customer_code)

    def test_import_with_a_salesperson_column_marks_customers(self):
        Partner = self._as(self.user_sales_manager, "res.partner")
        result = Partner.load(
            ["name", "is_company", "user_id"],
            [
                ["Legacy Import A", "1", self.user_salesman.name],
                ["Legacy Import B", "1", self.user_colleague.name],
                ["Legacy Import C", "1", ""],
            ],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.env.invalidate_all()
        partners = self.env["res.partner"].browse(result["ids"])
        self.assertEqual(partners.mapped("is_crm_customer"), [True, True, False])
        self.assertTrue(all(partners[:2].mapped("customer_code")))
        self.assertEqual(partners[0].crm_owner_user_id, self.user_salesman)

    def test_batch_create_marks_customers_in_constant_queries(self):
        Partner = self.env["res.partner"].with_user(self.user_sales_manager)

        def create(count, prefix):
            return lambda: Partner.create(
                [
                    {"name": f"{prefix} {i}", "is_company": True, "user_id": self.user_salesman.id}
                    for i in range(count)
                ]
            )

        self._query_count(create(2, "Warm"))
        two = self._query_count(create(2, "Two"))
        ten = self._query_count(create(10, "Ten"))
        self.assertEqual(two, ten, "no query per customer")
        partners = self.env["res.partner"].search([("name", "=like", "Ten %")])
        self.assertEqual(len(partners), 10)
        self.assertTrue(all(partners.mapped("is_crm_customer")))
        self.assertEqual(len(set(partners.mapped("customer_code"))), 10)
        # new customers: no tracking message of the flag each
        tracked = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.res_id", "in", partners.ids),
                ("field_id.name", "=", "is_crm_customer"),
            ]
        )
        self.assertFalse(tracked)

    def test_rpc_write_by_salesperson_makes_their_customer(self):
        partner = self.env["res.partner"].create({"name": "Rpc Owned Co", "is_company": True})
        self._as(self.user_salesman, partner).write({"user_id": self.user_salesman.id})
        self.env.invalidate_all()
        self.assertTrue(partner.is_crm_customer)
        self.assertTrue(partner.customer_code)

    def test_internal_users_and_companies_partners_stay_open(self):
        user_partner = self.user_colleague.partner_id
        company_partner = self.company.partner_id
        (user_partner | company_partner).write({"user_id": self.user_salesman.id})
        self.env.invalidate_all()
        self.assertFalse(user_partner.is_crm_customer)
        self.assertFalse(company_partner.is_crm_customer)

    def test_a_contact_with_a_salesperson_makes_no_customer_of_its_company(self):
        company = self.env["res.partner"].create({"name": "Parent Co", "is_company": True})
        self.env["res.partner"].create(
            {"name": "Contact Person", "parent_id": company.id, "user_id": self.user_salesman.id}
        )
        self.env.invalidate_all()
        self.assertFalse(company.is_crm_customer)

    def test_clearing_the_salesperson_keeps_the_customer_in_the_pool(self):
        partner = self._customer("Cleared Co")
        self._form_save(self.user_sales_manager, partner, {"user_id": False})
        self.env.invalidate_all()
        self.assertTrue(partner.is_crm_customer)
        self.assertTrue(partner.crm_in_pool)

    def test_upgrade_marks_existing_partners_with_a_salesperson(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Legacy Owned {i}", "is_company": True} for i in range(3)]
        )
        self.env.flush_all()
        # as an older version left them: a salesperson, no customer flag
        self.env.cr.execute(
            "UPDATE res_partner SET user_id = %s WHERE id IN %s",
            [self.user_salesman.id, tuple(partners.ids)],
        )
        self.env.invalidate_all()
        path = Path(__file__).parents[1] / "migrations" / "18.0.1.1.0" / "post-migrate.py"
        spec = importlib.util.spec_from_file_location("crm_standard_migrate_1_1", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertTrue(all(partners.mapped("is_crm_customer")))
        self.assertEqual(len(set(partners.mapped("customer_code"))), 3)
        self.assertTrue(all(partners.mapped("customer_grade")))


class TestHandover(OwnershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls._customer("Handover Co")
        cls.env["crm.standard.followup.plan"].search(
            [("partner_id", "=", cls.partner.id)]
        ).action_cancel()
        cls.plan = cls._plan(cls.partner)
        cls.env["crm.standard.followup.reminder"]._cron_crm_send_reminders()
        cls.activity = cls.plan.step_ids.activity_id
        cls.opportunity = cls._create_opportunity(cls.partner, user_id=cls.user_salesman.id)

    def test_reminder_is_assigned_to_the_salesperson_first(self):
        self.assertEqual(self.activity.user_id, self.user_salesman)

    def test_manager_setting_the_salesperson_hands_the_open_work_over(self):
        self._form_save(self.user_sales_manager, self.partner, {"user_id": self.user_colleague.id})
        self.env.invalidate_all()
        self.assertEqual(self.plan.state, "approved", "approved plans stay approved")
        self.assertEqual(self.plan.user_id, self.user_colleague)
        self.assertEqual(self.plan.step_ids.user_id, self.user_colleague)
        self.assertEqual(self.activity.user_id, self.user_colleague)
        self.assertEqual(self.plan.reminder_ids.user_id, self.user_colleague)
        self.assertIn(self.user_colleague.partner_id, self.partner.message_partner_ids)
        self.assertEqual(
            self.opportunity.user_id, self.user_salesman, "opportunities move by the wizard only"
        )
        # the new salesperson reads the customer; the former one keeps no
        # activity on it (they still work their opportunity)
        self.assertTrue(
            self._as(self.user_colleague, "res.partner").search([("id", "=", self.partner.id)])
        )
        self.assertFalse(
            self._activities(self.partner).filtered(lambda a: a.user_id == self.user_salesman)
        )
        # the next reminders go to the new salesperson too
        self.activity.action_feedback("Called")
        # (a due date without a reminder yet)
        self.plan.step_ids.next_due_date = self.today - timedelta(days=1)
        self.env["crm.standard.followup.reminder"]._cron_crm_send_reminders()
        self.assertEqual(self.plan.step_ids.activity_id.user_id, self.user_colleague)

    def test_draft_and_submitted_plans_follow_too(self):
        other = self._customer("Handover Draft Co")
        draft = self.Plan.search([("partner_id", "=", other.id), ("state", "=", "draft")])
        self.assertTrue(draft)
        other.with_user(self.user_sales_manager).write({"user_id": self.user_colleague.id})
        self.assertEqual(draft.user_id, self.user_colleague)
        self.assertEqual(draft.state, "draft")

    def test_release_to_the_pool_closes_the_plans_and_drops_their_activities(self):
        self.partner._crm_pool_release()
        self.env.invalidate_all()
        self.assertTrue(self.plan.exists(), "never deleted")
        self.assertEqual(self.plan.state, "done")
        self.assertEqual(self.plan.close_reason, "Released to the public pool")
        self.assertFalse(self.activity.exists())
        self.assertFalse(
            self._activities(self.partner).filtered(lambda a: a.user_id == self.user_salesman)
        )

    def test_a_claim_from_the_pool_gives_the_open_draft_plan_to_the_claimer(self):
        self.partner._crm_pool_release()
        draft = self.Plan.create({"partner_id": self.partner.id})
        self.assertFalse(draft.user_id)
        self._as(self.user_colleague, self.partner).action_crm_pool_claim()
        self.env.invalidate_all()
        self.assertEqual(self.partner.user_id, self.user_colleague)
        self.assertEqual(draft.user_id, self.user_colleague)

    def test_reminders_of_a_fixed_user_stay_with_them(self):
        other = self._customer("Fixed Step Co")
        self.Plan.search([("partner_id", "=", other.id)]).action_cancel()
        plan = self._plan(
            other,
            steps=[
                {
                    "name": "Fixed call",
                    "channel": "call",
                    "responsible_mode": "fixed",
                    "responsible_id": self.user_sales_manager.id,
                    "cadence_count": 1,
                    "cadence_unit": "months",
                    "next_due_date": self.today,
                }
            ],
        )
        self.env["crm.standard.followup.reminder"]._cron_crm_send_reminders()
        other.write({"user_id": self.user_colleague.id})
        self.assertEqual(plan.user_id, self.user_colleague)
        self.assertEqual(plan.step_ids.activity_id.user_id, self.user_sales_manager)

    def test_handover_is_one_method_with_options(self):
        previous = {self.partner.id: self.user_salesman.id}
        self.partner.with_context(crm_handover_by_caller=True).write(
            {"user_id": self.user_colleague.id}
        )
        self.assertEqual(self.plan.user_id, self.user_salesman, "left to the caller")
        counts = self.partner._crm_handover(previous, move_opportunities=True)
        self.assertEqual(counts, {"plans": 1, "activities": 1, "opportunities": 1})
        self.assertEqual(self.opportunity.user_id, self.user_colleague)
        self.assertEqual(self.activity.user_id, self.user_colleague)

    def test_handover_query_count_does_not_depend_on_the_customers(self):
        def customers(count, prefix):
            partners = self.env["res.partner"].browse()
            for i in range(count):
                partner = self._customer(f"{prefix} {i}")
                self.Plan.search([("partner_id", "=", partner.id)]).action_cancel()
                self._plan(partner, steps=None)
                partners |= partner
            self.env["crm.standard.followup.reminder"]._cron_crm_send_reminders()
            return partners

        warm, few, many = customers(2, "Warm"), customers(2, "Few"), customers(10, "Many")
        Partner = self.env["res.partner"].with_user(self.user_sales_manager)
        self._query_count(
            lambda: Partner.browse(warm.ids).write({"user_id": self.user_colleague.id})
        )
        two = self._query_count(
            lambda: Partner.browse(few.ids).write({"user_id": self.user_colleague.id})
        )
        ten = self._query_count(
            lambda: Partner.browse(many.ids).write({"user_id": self.user_colleague.id})
        )
        self.assertEqual(two, ten)
        self.assertEqual(
            set(self._activities(many).mapped("user_id")), {self.user_colleague}, "all moved"
        )

    def test_new_assignees_are_not_mailed_each_reminder(self):
        before = self.env["mail.mail"].search_count([])
        self.partner.write({"user_id": self.user_colleague.id})
        self.env.flush_all()
        # Odoo's "customer assigned to you" mail, none for the reminder
        self.assertEqual(self.env["mail.mail"].search_count([]), before + 1)
        self.assertEqual(self.activity.user_id, self.user_colleague)

    def test_plan_steps_of_the_account_manager_follow_when_it_was_the_salesperson(self):
        other = self._customer("Account Manager Co")
        self.Plan.search([("partner_id", "=", other.id)]).action_cancel()
        plan = self._plan(
            other,
            account_manager_id=self.user_salesman.id,
            steps=[
                {
                    "name": "Visit",
                    "channel": "visit",
                    "responsible_mode": "account_manager",
                    "cadence_count": 1,
                    "cadence_unit": "months",
                    "next_due_date": self.today,
                }
            ],
        )
        other.write({"user_id": self.user_colleague.id})
        self.assertEqual(plan.account_manager_id, self.user_colleague)
        self.assertEqual(plan.step_ids.user_id, self.user_colleague)

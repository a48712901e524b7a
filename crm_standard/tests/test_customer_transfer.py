"""Transfer Customers wizard: a sales manager moves a salesperson's customers
and their open work to colleagues."""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form

from odoo.addons.crm_standard.wizard.crm_standard_customer_transfer import (
    CrmStandardCustomerTransfer,
)

from .test_ownership import OwnershipCommon


class TestCustomerTransfer(OwnershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_leaving = cls._create_colleague(login="crm_leaving", name="Lea Leaving")
        cls.user_other = cls._create_colleague(login="crm_other", name="Otto Other")
        cls.Transfer = cls.env["crm.standard.customer.transfer"]

    def _book(self, count, prefix, grade=None, user=None):
        """``count`` customers of the leaving salesperson, each with an
        approved plan, its reminder activity and an open opportunity."""
        partners = self.env["res.partner"].browse()
        for i in range(count):
            partner = self._customer(f"{prefix} {i}", user=user or self.user_leaving)
            if grade:
                partner._crm_set_manual_grade(grade, reason="Test")
            self.Plan.search([("partner_id", "=", partner.id)]).action_cancel()
            self._plan(partner, user=self.user_sales_manager)
            self._create_opportunity(partner, user_id=(user or self.user_leaving).id)
            partners |= partner
        self.Reminder._cron_crm_send_reminders()
        return partners

    def _wizard(self, targets, user=None, **values):
        form = Form(self.Transfer.with_user(user or self.user_sales_manager))
        form.user_from_id = self.user_leaving
        for field, value in values.items():
            setattr(form, field, value)
        for target in targets:
            form.user_to_ids.add(target)
        return form

    def _leads(self, partners):
        return self.env["crm.lead"].search([("partner_id", "in", partners.ids)])

    def test_manager_transfers_everything_to_one_colleague(self):
        partners = self._book(3, "Leaving Co")
        form = self._wizard([self.user_colleague], distribution="one")
        self.assertEqual(
            (form.customer_count, form.opportunity_count, form.plan_count, form.activity_count),
            (3, 3, 3, 3),
            "the preview counts what moves",
        )
        wizard = form.save()
        before = self.env["mail.message"].search_count([("message_type", "=", "user_notification")])
        wizard.action_transfer()
        self.env.invalidate_all()
        self.assertEqual(set(partners.mapped("user_id")), {self.user_colleague})
        self.assertEqual(set(self._leads(partners).mapped("user_id")), {self.user_colleague})
        plans = self.Plan.search([("partner_id", "in", partners.ids), ("state", "=", "approved")])
        self.assertEqual(len(plans), 3, "approved plans stay approved")
        self.assertEqual(set(plans.mapped("user_id")), {self.user_colleague})
        self.assertEqual(set(self._activities(partners).mapped("user_id")), {self.user_colleague})
        for partner in partners:
            notes = partner.message_ids.filtered(lambda m: "Transferred from Lea Leaving" in m.body)
            self.assertEqual(len(notes), 1, "one chatter note per customer")
        summaries = self.env["mail.message"].search(
            [("message_type", "=", "user_notification")], order="id desc"
        )
        self.assertEqual(len(summaries) - before, 1, "one summary for the colleague")
        self.assertIn(self.user_colleague.partner_id, summaries[0].partner_ids)
        # the colleague now works them, the leaving salesperson no longer sees them
        self.assertEqual(
            self._as(self.user_colleague, "res.partner").search([("id", "in", partners.ids)]),
            partners,
        )
        self.assertFalse(
            self._as(self.user_leaving, "res.partner").search([("id", "in", partners.ids)])
        )

    def test_spread_by_grade_deals_key_customers_out_fairly(self):
        key = self._book(2, "Key S", grade="S") | self._book(2, "Key A", grade="A")
        rest = self._book(2, "Rest C", grade="C")
        wizard = self._wizard([self.user_colleague, self.user_other], by_grade=True).save()
        self.assertIn("Otto Other", wizard.preview)
        wizard.action_transfer()
        self.env.invalidate_all()
        for grade in ("S", "A", "C"):
            owners = (key | rest).filtered(lambda p, g=grade: p.customer_grade == g)
            self.assertEqual(
                sorted(owners.mapped("user_id.id")),
                sorted([self.user_colleague.id, self.user_other.id]),
                f"one {grade} customer each",
            )

    def test_only_the_selected_customers_move(self):
        partners = self._book(2, "Selected Co")
        form = Form(
            self.Transfer.with_user(self.user_sales_manager).with_context(
                active_model="res.partner", active_ids=partners[:1].ids
            )
        )
        self.assertEqual(form.user_from_id, self.user_leaving)
        form.user_to_ids.add(self.user_colleague)
        form.save().action_transfer()
        self.env.invalidate_all()
        self.assertEqual(partners.mapped("user_id"), self.user_colleague | self.user_leaving)

    def test_opportunities_only_keep_the_customers(self):
        partners = self._book(3, "Opps Only Co")
        wizard = self._wizard([self.user_colleague], move_customers=False).save()
        wizard._crm_transfer_run(batch_size=2)
        self.env.invalidate_all()
        self.assertEqual(wizard.done_count, 3, "each customer once, in batches")
        self.assertEqual(set(partners.mapped("user_id")), {self.user_leaving})
        self.assertEqual(set(self._leads(partners).mapped("user_id")), {self.user_colleague})

    def test_opportunities_can_stay(self):
        partners = self._book(1, "Opps Stay Co")
        self._wizard([self.user_colleague], move_opportunities=False).save().action_transfer()
        self.assertEqual(self._leads(partners).user_id, self.user_leaving)
        self.assertEqual(partners.user_id, self.user_colleague)

    def test_rerun_finds_nothing_left(self):
        self._book(1, "Rerun Co")
        self._wizard([self.user_colleague]).save().action_transfer()
        with self.assertRaisesRegex(UserError, "Customers: Lea Leaving has no customer left"):
            self._wizard([self.user_colleague]).save().action_transfer()

    def test_bad_choices_are_refused_naming_the_field(self):
        with self.assertRaisesRegex(ValidationError, "To Salespeople: Lea Leaving"):
            self._wizard([self.user_leaving]).save()
        with self.assertRaisesRegex(ValidationError, "To Salespeople: 'All to One'"):
            self._wizard([self.user_colleague, self.user_other], distribution="one").save()

    def test_only_sales_managers_transfer(self):
        for user in (self.user_salesman, self.user_salesman_all, self.user_service_manager):
            with self.assertRaises(AccessError):
                self._as(user, "crm.standard.customer.transfer").create(
                    {"user_from_id": self.user_leaving.id, "user_to_ids": [self.user_colleague.id]}
                )

    def test_batch_query_count_does_not_depend_on_the_customers(self):
        self._book(2, "Warm Co", user=self.user_other)
        few = self._book(2, "Few Co")
        many = self._book(10, "Many Co", user=self.user_salesman)

        def batch(from_user, partners):
            wizard = self.Transfer.with_user(self.user_sales_manager).create(
                {
                    "user_from_id": from_user.id,
                    "user_to_ids": [self.user_colleague.id],
                    "partner_ids": partners.ids,
                }
            )
            return lambda: wizard._crm_transfer_batch(batch_size=50)

        warm = self.env["res.partner"].search([("name", "=like", "Warm Co %")])
        self._query_count(batch(self.user_other, warm))
        two = self._query_count(batch(self.user_leaving, few))
        ten = self._query_count(batch(self.user_salesman, many))
        self.assertEqual(two, ten)
        self.assertEqual(set(many.mapped("user_id")), {self.user_colleague})
        self.assertEqual(set(self._activities(many).mapped("user_id")), {self.user_colleague})

    def test_large_transfer_runs_in_batches_in_the_scheduled_action(self):
        partners = self._book(5, "Large Co")
        wizard = self._wizard([self.user_colleague, self.user_other]).save()
        with patch.object(CrmStandardCustomerTransfer, "_crm_sync_limit", return_value=2):
            wizard.action_transfer()
        self.assertEqual(wizard.state, "queued")
        self.assertEqual(set(partners.mapped("user_id")), {self.user_leaving}, "not yet")
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": self.env.ref("crm_standard.ir_cron_crm_customer_transfer").id}
        )
        Cron = self.Transfer.with_context(ir_cron_progress_id=progress.id)
        runs = 0
        while wizard.state != "done" and runs < 10:
            Cron._cron_crm_transfer(batch_size=2)
            runs += 1
            if wizard.state != "done":
                self.assertTrue(progress.remaining)
        self.assertEqual(runs, 3)
        self.assertEqual(progress.remaining, 0)
        self.env.invalidate_all()
        owners = partners.mapped("user_id")
        self.assertEqual(owners, self.user_colleague | self.user_other)
        self.assertEqual(
            wizard.result, {str(self.user_colleague.id): 3, str(self.user_other.id): 2}
        )
        # again: nothing left, nothing done
        Cron._cron_crm_transfer(batch_size=2)
        self.assertEqual(progress.remaining, 0)

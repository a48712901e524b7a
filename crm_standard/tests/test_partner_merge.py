"""Odoo's partner merge wizard on customers: the customer code (unique)
follows the merge instead of breaking it."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestPartnerMerge(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the wizard's access right
        cls.user_sales_manager.groups_id += cls.env.ref("base.group_partner_manager")
        cls.Request = cls.env["crm.standard.change.request"]

    def _coded_customer(self, name, **vals):
        partner = self._create_customer(name, email="merge@example.com", **vals)
        partner.action_make_customer()
        self.assertTrue(partner.customer_code)
        return partner

    def _wizard(self, partners, **vals):
        """The wizard as the contact list opens it on ``partners``."""
        Wizard = self._as(self.user_sales_manager, "base.partner.merge.automatic.wizard")
        return Wizard.with_context(active_model="res.partner", active_ids=partners.ids).create(vals)

    def test_merging_a_coded_customer_into_an_older_partner_without_code_moves_the_code(self):
        older = self._create_customer("Merge Older Co", email="merge@example.com")
        self.assertFalse(older.customer_code)
        coded = self._coded_customer("Merge Coded Co")
        code = coded.customer_code
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(days=30), older.id],
        )
        self.env.invalidate_all()
        wizard = self._wizard(older | coded)
        # the default destination: the older partner
        self.assertEqual(wizard.dst_partner_id, older)
        wizard.action_merge()
        self.assertFalse(coded.exists())
        self.assertEqual(older.customer_code, code)
        self.assertTrue(older.is_crm_customer)
        self.assertFalse(self.Request.search([("partner_id", "=", older.id)]))

    def test_merging_two_coded_customers_keeps_the_destination_code(self):
        destination = self._coded_customer("Merge Destination Co")
        source = self._coded_customer("Merge Source Co")
        code = destination.customer_code
        wizard = self._wizard(destination | source)
        wizard._merge((destination | source).ids, destination.with_env(wizard.env))
        self.assertFalse(source.exists())
        self.assertEqual(destination.customer_code, code)
        self.assertFalse(self.Request.search([("partner_id", "=", destination.id)]))

    def test_merging_several_coded_sources_gives_the_code_of_the_last_one(self):
        """As Odoo's merge does for every other value: the last source with one."""
        destination = self._create_customer("Merge Plain Co", email="merge@example.com")
        first = self._coded_customer("Merge First Co")
        second = self._coded_customer("Merge Second Co")
        code = second.customer_code
        wizard = self._wizard(destination | first | second)
        wizard._merge([destination.id, first.id, second.id], destination.with_env(wizard.env))
        self.assertFalse((first | second).exists())
        self.assertEqual(destination.customer_code, code)
        self.assertFalse(self.Request.search([("partner_id", "=", destination.id)]))

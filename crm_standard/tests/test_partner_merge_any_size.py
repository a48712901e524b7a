"""Merge of duplicate groups larger than Odoo's 3, by managers only."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestPartnerMergeAnySize(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partner_manager = cls.env.ref("base.group_partner_manager")
        cls.user_sales_manager.groups_id += partner_manager
        cls.user_salesman_all.groups_id += partner_manager

    def _group_of_five(self):
        partners = self.env["res.partner"].browse()
        for i in range(5):
            partners |= self._create_customer(f"Dup Five {i}", email="dup5@example.com")
        partners[1].action_make_customer()
        return partners

    def _wizard(self, user, partners):
        Wizard = self._as(user, "base.partner.merge.automatic.wizard")
        return Wizard.with_context(active_model="res.partner", active_ids=partners.ids).create({})

    def test_manager_merges_five_keeping_code_tickets_followers_and_chatter_with_snapshot(self):
        partners = self._group_of_five()
        code = partners[1].customer_code
        ticket = self.env["crm.standard.ticket"].create(
            {"name": "Printer jam", "partner_id": partners[3].id}
        )
        partners[4].message_post(body="Legacy call note", subtype_xmlid="mail.mt_note")
        partners[2].message_subscribe(partner_ids=self.user_salesman.partner_id.ids)
        wizard = self._wizard(self.user_sales_manager, partners)
        self.assertEqual(len(wizard.partner_ids), 5)
        survivor = wizard.dst_partner_id
        wizard.action_merge()
        self.assertEqual(len(partners.exists()), 1)
        self.assertEqual(partners.exists(), survivor)
        self.assertEqual(survivor.customer_code, code)
        self.assertEqual(ticket.partner_id, survivor)
        self.assertIn(self.user_salesman.partner_id, survivor.message_partner_ids)
        bodies = survivor.message_ids.mapped("body")
        self.assertTrue(any("Legacy call note" in body for body in bodies))
        snapshot = [body for body in bodies if "Before the merge of 5 partners" in body]
        self.assertEqual(len(snapshot), 1)
        for i in range(5):
            self.assertIn(f"Dup Five {i}", snapshot[0])
        # one audit line (Odoo's "Merged with") per merge step: 4 sources, 2 steps
        audit = [body for body in bodies if "Merged with the following partners" in body]
        self.assertEqual(len(audit), 2)

    def test_non_manager_cannot_merge_more_than_three(self):
        partners = self._group_of_five()
        wizard = self._wizard(self.user_salesman_all, partners)
        with self.assertRaisesRegex(UserError, "only sales managers"):
            wizard.action_merge()
        self.assertEqual(len(partners.exists()), 5)

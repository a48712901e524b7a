"""The cleaning worklist: duplicates, invalid formats, incomplete customers,
customers without salesperson, per salesperson, with one digest per owner."""

from odoo.tests import tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestCleaningWorklist(CrmStandardCommon):
    def _kinds(self, partner):
        items = self.env["crm.standard.cleaning.item"].search([("partner_id", "=", partner.id)])
        return set(items.mapped("kind"))

    def test_refresh_lists_each_problem_assigned_to_the_salesperson_and_is_idempotent(self):
        Partner = self.env["res.partner"].with_context(crm_skip_quality_check=True)
        owner = {"user_id": self.user_salesman.id, "is_crm_customer": True}
        dup_a = self._create_customer("清洗重复有限公司", **owner)
        dup_b = self._create_customer("清洗重复股份有限公司", email="other@dup.example.cn", **owner)
        bad = Partner.create(
            {"name": "Bad Format Co", "is_company": True, "industry_id": self.industry_it.id,
             "email": "no-at-sign", **owner}
        )  # fmt: skip
        incomplete = self._create_customer("No Industry Co", industry_id=False, **owner)
        orphan = self._create_customer("Orphan Co", is_crm_customer=True, user_id=False)
        Item = self.env["crm.standard.cleaning.item"]
        Item._crm_refresh_worklist()
        self.assertIn("duplicate", self._kinds(dup_a))
        self.assertIn("duplicate", self._kinds(dup_b))
        self.assertIn("invalid_format", self._kinds(bad))
        self.assertIn("incomplete", self._kinds(incomplete))
        self.assertIn("no_salesperson", self._kinds(orphan))
        mine = Item.search([("partner_id", "in", (dup_a | dup_b | bad | incomplete).ids)])
        self.assertEqual(mine.user_id, self.user_salesman)
        count = Item.search_count([])
        Item._crm_refresh_worklist()
        self.assertEqual(Item.search_count([]), count)

    def test_monthly_cron_sends_one_digest_per_owner(self):
        owner = {"user_id": self.user_salesman.id, "is_crm_customer": True}
        self._create_customer("Digest One Co", industry_id=False, **owner)
        self._create_customer("Digest Two Co", industry_id=False, **owner)
        Message = self.env["mail.message"]
        before = Message.search_count([("partner_ids", "in", self.user_salesman.partner_id.ids)])
        self.env["crm.standard.cleaning.item"]._cron_crm_cleaning_worklist()
        digests = Message.search(
            [("partner_ids", "in", self.user_salesman.partner_id.ids)], order="id desc"
        )
        self.assertEqual(len(digests) - before, 1)
        self.assertIn("Data cleaning", digests[0].subject)
        self.assertIn("Digest One Co", digests[0].body)

    def test_salesperson_sees_the_worklist_of_own_customers_only(self):
        colleague = self._create_colleague()
        self._create_customer("Mine Co", industry_id=False, user_id=self.user_salesman.id,
                              is_crm_customer=True)  # fmt: skip
        self._create_customer("Theirs Co", industry_id=False, user_id=colleague.id,
                              is_crm_customer=True)  # fmt: skip
        self.env["crm.standard.cleaning.item"]._crm_refresh_worklist()
        items = self._as(self.user_salesman, "crm.standard.cleaning.item").search([])
        self.assertEqual(set(items.mapped("partner_id.name")) & {"Mine Co", "Theirs Co"},
                         {"Mine Co"})  # fmt: skip

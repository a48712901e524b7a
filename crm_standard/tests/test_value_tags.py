from odoo import Command
from odoo.exceptions import UserError

from .test_customer_grading import GradingCommon


class TestValueTags(GradingCommon):
    def test_grade_and_repeat_buyer_tags_follow_the_data(self):
        tag_a = self.env.ref("crm_standard.partner_tag_grade_a")
        tag_s = self.env.ref("crm_standard.partner_tag_grade_s")
        repeat = self.env.ref("crm_standard.partner_tag_repeat_buyer")
        manual_tag = self.env["res.partner.category"].create({"name": "East", "family": "basic"})
        partner = self._graded_customer(
            "Tagged", 600000.0, needs_match="low", category_id=[Command.link(manual_tag.id)]
        )
        self.assertEqual(partner.category_id, manual_tag | tag_a)
        self._create_opportunity(partner, won=True, expected_revenue=10.0)
        self.assertEqual(partner.lifecycle_stage, "repeat")
        self.assertEqual(partner.category_id, manual_tag | tag_a | repeat)
        partner.needs_match = "high"
        self.assertEqual(partner.category_id, manual_tag | tag_s | repeat)
        # idempotent
        partner._crm_sync_value_tags()
        self.assertEqual(partner.category_id, manual_tag | tag_s | repeat)

    def test_users_cannot_hand_edit_automatic_tags(self):
        partner = self._graded_customer("Guarded", 50000.0, needs_match="low")
        tag_c = self.env.ref("crm_standard.partner_tag_grade_c")
        tag_s = self.env.ref("crm_standard.partner_tag_grade_s")
        as_user = partner.with_user(self.user_salesman)
        with self.assertRaises(UserError) as error:
            as_user.write({"category_id": [Command.link(tag_s.id)]})
        self.assertIn("automatic value tags", str(error.exception))
        with self.assertRaises(UserError):
            as_user.write({"category_id": [Command.unlink(tag_c.id)]})
        with self.assertRaises(UserError):
            tag_s.with_user(self.user_sales_manager).write(
                {"partner_ids": [Command.link(partner.id)]}
            )
        with self.assertRaises(UserError):
            tag_s.with_user(self.user_crm_admin).unlink()
        # manual tags stay free, and keeping the automatic ones is fine
        manual = self.env["res.partner.category"].create({"name": "Webinar", "family": "behavior"})
        as_user.write({"category_id": [Command.link(manual.id)]})
        as_user.write({"category_id": [Command.set((manual | tag_c).ids)]})
        self.assertEqual(partner.category_id, manual | tag_c)

    def test_copy_drops_automatic_tags(self):
        partner = self._graded_customer("Copied", 50000.0)
        self.assertTrue(partner.category_id)
        copy = partner.copy({"user_id": False})
        self.assertFalse(copy.category_id.filtered("is_automatic"))
        # with its salesperson, a copy is a customer of its own (a partner
        # with a salesperson is a customer): its own code, its own grading
        owned = partner.copy()
        self.assertTrue(owned.is_crm_customer)
        self.assertTrue(owned.customer_code)
        self.assertNotEqual(owned.customer_code, partner.customer_code)

    def test_complaint_tag_exists_for_tickets(self):
        tag = self.env.ref("crm_standard.partner_tag_complaint")
        self.assertTrue(tag.is_automatic)
        self.assertEqual(tag.family, "value")

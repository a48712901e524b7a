"""The sample check of a migration batch: 50 customers drawn with a stored
seed, source beside imported values, pass/fail per row, sign-off threshold."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_migration_import import HEADERS_EN, MigrationImportCase


@tagged("post_install", "-at_install")
class TestMigrationSample(MigrationImportCase):
    def _batch_of(self, count):
        rows = [
            [f"样本客户{i:03d}有限公司", "", "IT/Communication", "Sally Salesman",
             f"+86 21 6123 {i:04d}", f"sample{i}@example.cn", "上海"]
            for i in range(count)
        ]  # fmt: skip
        result, _fields = self._import(self._csv(HEADERS_EN, rows))
        self.assertFalse(self._errors(result))
        return self.env["crm.standard.migration.batch"].browse(result["crm_migration_batch_id"])

    def test_sample_draws_50_customers_and_the_stored_seed_draws_them_again(self):
        batch = self._batch_of(60)
        self.assertEqual(batch.created_count, 60)
        action = batch.action_sample_check()
        sample = self.env["crm.standard.migration.sample"].browse(action["res_id"])
        self.assertEqual(len(sample.line_ids), 50)
        self.assertEqual(sample.threshold, 50)
        drawn = sample.line_ids.partner_id
        self.assertLessEqual(drawn, batch.partner_ids)
        again = self.env["crm.standard.migration.sample"].create(
            {"batch_id": batch.id, "seed": sample.seed}
        )
        self.assertEqual(again.line_ids.partner_id, drawn)
        # the same batch opens the same sample
        self.assertEqual(batch.action_sample_check()["res_id"], again.id)

    def test_each_line_shows_the_source_row_beside_the_imported_values(self):
        batch = self._batch_of(3)
        sample = self.env["crm.standard.migration.sample"].create({"batch_id": batch.id})
        self.assertEqual(len(sample.line_ids), 3)
        line = sample.line_ids.filtered(lambda line: line.partner_id.email == "sample1@example.cn")
        self.assertIn("Email: sample1@example.cn", line.source_values)
        self.assertIn("Phone: +86 21 6123 0001", line.source_values)
        self.assertIn("sample1@example.cn", line.imported_values)
        self.assertIn("Sally Salesman", line.imported_values)

    def test_sign_off_needs_every_row_marked_and_the_passes_to_reach_the_threshold(self):
        batch = self._batch_of(50)
        sample = self._as(self.user_sales_manager, batch).action_sample_check()
        sample = self._as(
            self.user_sales_manager,
            self.env["crm.standard.migration.sample"].browse(sample["res_id"]),
        )
        sample.line_ids[:49].write({"result": "pass"})
        with self.assertRaisesRegex(UserError, "1 left"):
            sample.action_sign_off()
        sample.line_ids[49].write({"result": "fail", "note": "phone differs from the ledger"})
        sample.action_sign_off()
        self.assertEqual(sample.state, "failed")
        self.assertEqual(batch.sample_state, "failed")
        sample.action_reset()
        sample.line_ids[49].result = "pass"
        sample.action_sign_off()
        self.assertEqual((sample.state, sample.pass_count), ("signed_off", 50))
        self.assertEqual(batch.sample_state, "signed_off")
        self.assertEqual(sample.reviewer_id, self.user_sales_manager)

    def test_cleaned_data_list_lists_the_batch_customers(self):
        batch = self._batch_of(3)
        action = batch.action_view_cleaned_list()
        self.assertEqual(self.env["res.partner"].search(action["domain"]), batch.partner_ids)

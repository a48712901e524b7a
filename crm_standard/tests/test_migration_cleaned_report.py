"""The printable cleaned data list (清洗后数据清单) of a migration batch."""

from odoo.tests import tagged

from .test_migration_import import HEADERS_EN, MigrationImportCase

REPORT = "crm_standard.action_report_crm_migration_cleaned_list"


@tagged("post_install", "-at_install")
class TestMigrationCleanedReport(MigrationImportCase):
    def _batch(self):
        result, _fields = self._import(self._csv(HEADERS_EN, self.rows))
        self.assertFalse(self._errors(result))
        return self.env["crm.standard.migration.batch"].browse(result["crm_migration_batch_id"])

    def _render(self, batch, user):
        self.env.invalidate_all()
        html, report_type = (
            self.env["ir.actions.report"].with_user(user)._render_qweb_html(REPORT, batch.ids)
        )
        self.assertEqual(report_type, "html")
        return html.decode()

    def test_report_action_is_printable_from_the_batch(self):
        report = self.env.ref(REPORT)
        self.assertEqual(report.model, "crm.standard.migration.batch")
        self.assertEqual(report.report_type, "qweb-pdf")
        self.assertEqual(report.binding_model_id.model, "crm.standard.migration.batch")
        self.assertEqual(report.paperformat_id.orientation, "Landscape")

    def test_cleaned_list_shows_each_customer_with_cleaned_values_and_sample_results(self):
        batch = self._batch()
        sample = self.env["crm.standard.migration.sample"].create({"batch_id": batch.id})
        failed = sample.line_ids.filtered(
            lambda line: line.partner_id.email == "sales@bingding.example.cn"
        )
        (sample.line_ids - failed).write({"result": "pass"})
        failed.write({"result": "fail", "note": "电话与台账不符"})
        sample.action_sign_off()
        html = self._render(batch, self.user_sales_manager)
        self.assertIn("Cleaned Data List", html)
        for partner in batch.partner_ids:
            self.assertIn(partner.name, html)
            self.assertIn(partner.email, html)
        # the customers with a salesperson got their code
        coded = batch.partner_ids.filtered("user_id")
        self.assertEqual(len(coded), 2)
        for partner in coded:
            self.assertIn(partner.customer_code, html)
        # the cleaned values: the phone as saved, the salesperson and industry resolved
        self.assertIn("+86 21 6123 4567", html)
        self.assertIn("Sally Salesman", html)
        self.assertIn(self.industry_it.name, html)
        self.assertIn("电话与台账不符", html)
        self.assertEqual(html.count(">Pass</span>"), 2)
        self.assertEqual(html.count(">Fail</span>"), 1)
        self.assertIn("Failed", html)  # the sample's result: 2 passes of 3 required
        self.assertIn(str(sample.seed), html)

    def test_cleaned_list_of_a_batch_without_sample_check_says_so(self):
        html = self._render(self._batch(), self.user_sales_manager)
        self.assertIn("No sample check yet.", html)

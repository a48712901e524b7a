import base64
import csv
import io

import openpyxl

from odoo.tests import tagged

from .common import CrmStandardCommon

HEADERS_ZH = ["客户名称", "税号", "行业", "销售员", "电话", "邮箱", "城市"]
HEADERS_EN = ["Name", "Tax ID", "Industry", "Salesperson", "Phone", "Email", "City"]


class MigrationImportCase(CrmStandardCommon):
    """Helpers: legacy customer files through Odoo's own import API (base_import)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rows = [
            ["上海甲乙科技有限公司", "91310000MA1AAAA01X", "IT/Communication", "Sally Salesman",
             "+86 21 6123 4567", "info@jiayi.example.cn", "上海"],
            ["北京丙丁贸易有限公司", "", "IT/Communication", "Sally Salesman",
             "+86 10 6552 9988", "sales@bingding.example.cn", "北京"],
            ["Hangzhou Widgets Co., Ltd.", "", "IT/Communication", "",
             "", "hello@widgets.example.com", "Hangzhou"],
        ]  # fmt: skip

    # -- helpers ---------------------------------------------------------------
    def _csv(self, headers, rows, encoding="utf-8"):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        return buffer.getvalue().encode(encoding)

    def _xlsx(self, headers, rows):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def _import(
        self, content, file_name="customers.csv", dryrun=False, user=None, model="res.partner",
        **options,
    ):  # fmt: skip
        """Preview then import like the web client: headers mapped by
        ``parse_preview``, then ``execute_import`` (test mode or real) with
        the preview's options and ``options`` (e.g. a date format)."""
        mimetype = (
            "text/csv"
            if file_name.endswith(".csv")
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        Import = self.env["base_import.import"]
        if user:
            Import = self._as(user, "base_import.import")
        importer = Import.create(
            {"res_model": model, "file": content, "file_name": file_name,
             "file_type": mimetype}
        )  # fmt: skip
        preview = importer.parse_preview(
            {"has_headers": True, "quoting": '"', "separator": "", "encoding": ""}
        )
        self.assertNotIn("error", preview, preview.get("error"))
        headers = preview["headers"]
        fields = ["/".join(preview["matches"].get(i) or []) or False for i in range(len(headers))]
        options = dict(preview["options"], has_headers=True, **options)
        return importer.execute_import(fields, headers, options, dryrun=dryrun), fields

    def _partners(self, vat=None, email=None):
        domain = [("email", "=", email)] if email else [("vat", "=", vat)]
        return self.env["res.partner"].search(domain)

    def _errors(self, result):
        return [m["message"] for m in result["messages"] if m["type"] == "error"]

    def _import_queries(self, content):
        """Queries of importing ``content`` (no error), the cache cold."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result, _fields = self._import(content)
        self.env.flush_all()
        self.assertFalse(self._errors(result))
        return self.env.cr.sql_log_count - before


@tagged("post_install", "-at_install")
class TestMigrationImport(MigrationImportCase):
    def test_utf8_csv_test_mode_writes_nothing_then_import_then_reimport_creates_nothing(self):
        content = self._csv(HEADERS_EN, self.rows)
        result, fields = self._import(content, dryrun=True)
        self.assertEqual(
            fields, ["name", "vat", "industry_id", "user_id", "phone", "email", "city"]
        )
        self.assertFalse(self._errors(result))
        self.assertFalse(self._partners(email="info@jiayi.example.cn"))
        result, _fields = self._import(content)
        self.assertFalse(self._errors(result))
        partner = self._partners(email="info@jiayi.example.cn")
        self.assertEqual(partner.user_id, self.user_salesman)
        self.assertEqual(partner.industry_id, self.industry_it)
        count = self.env["res.partner"].search_count([])
        # the same file again: every row matched, nothing created
        result, _fields = self._import(content)
        self.assertFalse(self._errors(result))
        self.assertEqual(self.env["res.partner"].search_count([]), count)
        batch = self.env["crm.standard.migration.batch"].browse(result["crm_migration_batch_id"])
        self.assertEqual((batch.created_count, batch.updated_count), (0, 3))

    def _assert_test_mode_import_reimport(self, content, file_name):
        """Test mode writes nothing, the import creates the rows, importing the
        same file again creates nothing (every row matched and updated)."""
        Partner = self.env["res.partner"]
        count = Partner.search_count([])
        result, _fields = self._import(content, file_name=file_name, dryrun=True)
        self.assertFalse(self._errors(result))
        self.assertEqual(Partner.search_count([]), count)
        result, _fields = self._import(content, file_name=file_name)
        self.assertFalse(self._errors(result))
        self.assertEqual(Partner.search_count([]), count + len(self.rows))
        result, _fields = self._import(content, file_name=file_name)
        self.assertFalse(self._errors(result))
        self.assertEqual(Partner.search_count([]), count + len(self.rows))
        batch = self.env["crm.standard.migration.batch"].browse(result["crm_migration_batch_id"])
        self.assertEqual((batch.created_count, batch.updated_count), (0, len(self.rows)))

    def test_gbk_csv_test_mode_writes_nothing_then_import_then_reimport_creates_nothing(self):
        content = self._csv(HEADERS_ZH, self.rows, encoding="gbk")
        self._assert_test_mode_import_reimport(content, "customers.csv")

    def test_xlsx_test_mode_writes_nothing_then_import_then_reimport_creates_nothing(self):
        self._assert_test_mode_import_reimport(self._xlsx(HEADERS_EN, self.rows), "customers.xlsx")

    def test_import_queries_do_not_grow_with_the_rows(self):
        """Names resolved once per distinct name and loaded by external ID, one
        query per match rule: 3 or 9 new rows of the same salesperson and
        industry cost the same queries (a re-import still costs Odoo's write of
        each matched row)."""

        def rows(prefix, count):
            return [
                [f"{prefix}查询客户{i}有限公司", "", "IT/Communication", "Sally Salesman",
                 f"+86 21 {prefix[-1]}555 {i:04d}", f"{prefix.lower()}{i}@queries.example.cn",
                 "上海"]
                for i in range(count)
            ]  # fmt: skip

        self._import(self._csv(HEADERS_EN, rows("Warm1", 2)))
        three, nine = (
            self._csv(HEADERS_EN, rows("Three2", 3)),
            self._csv(HEADERS_EN, rows("Nine3", 9)),
        )
        self.assertEqual(self._import_queries(nine), self._import_queries(three))

    def test_gbk_csv_with_chinese_headers_is_mapped_and_imported(self):
        content = self._csv(HEADERS_ZH, self.rows, encoding="gbk")
        with self.assertRaises(UnicodeDecodeError):
            content.decode("utf-8")
        result, fields = self._import(content)
        self.assertEqual(
            fields, ["name", "vat", "industry_id", "user_id", "phone", "email", "city"]
        )
        self.assertFalse(self._errors(result))
        partner = self._partners(email="sales@bingding.example.cn")
        self.assertEqual(partner.name, "北京丙丁贸易有限公司")
        self.assertEqual(partner.city, "北京")

    def test_xlsx_with_excel_numbers_dates_and_full_width_phone(self):
        headers = HEADERS_EN + ["Founding Date", "Employees"]
        import datetime

        rows = [
            ["深圳全角电子有限公司", "", "IT/Communication", "", "＋８６　７５５　８８８８　６６６６",
             "contact@quanjiao.example.cn", "深圳", datetime.date(2015, 3, 9), 250],
        ]  # fmt: skip
        result, _fields = self._import(self._xlsx(headers, rows), file_name="customers.xlsx")
        self.assertFalse(self._errors(result))
        partner = self._partners(email="contact@quanjiao.example.cn")
        self.assertEqual(partner.phone, "+86 755 8888 6666")
        self.assertEqual(partner.crm_phone_sanitized, "+8675588886666")
        self.assertEqual(str(partner.founding_date), "2015-03-09")
        self.assertEqual(partner.employee_count, 250)

    def test_bad_rows_are_reported_with_row_column_and_rule_and_good_rows_go_through(self):
        rows = [
            *self.rows,
            ["", "", "", "", "", "nobody@missing-name.example.cn", ""],
            ["坏邮箱有限公司", "", "", "", "", "not-an-email", ""],
            ["坏电话有限公司", "", "", "", "12", "", ""],
            ["无行业有限公司", "", "No Such Industry", "", "", "", ""],
            ["无销售有限公司", "", "", "Nobody Known", "", "", ""],
        ]
        result, _fields = self._import(self._csv(HEADERS_EN, rows))
        errors = self._errors(result)
        self.assertEqual(len(errors), 5, errors)
        self.assertIn("Row 5, column 'Name' (required)", errors[0])
        self.assertIn("Row 6, column 'Email' (e-mail format)", errors[1])
        self.assertIn("Row 7, column 'Phone' (phone format)", errors[2])
        self.assertIn("Row 8, column 'Industry' (name resolved)", errors[3])
        self.assertIn("Row 9, column 'Salesperson' (name resolved)", errors[4])
        # the good rows went through, nothing of the bad ones was written
        self.assertTrue(self._partners(email="info@jiayi.example.cn"))
        self.assertFalse(self.env["res.partner"].search([("name", "like", "有限公司"),
                                                         ("name", "like", "坏")]))  # fmt: skip
        self.assertFalse(self._partners(email="nobody@missing-name.example.cn"))
        batch = self.env["crm.standard.migration.batch"].browse(result["crm_migration_batch_id"])
        self.assertEqual((batch.row_count, batch.created_count, batch.error_count), (8, 3, 5))
        error_csv = base64.b64decode(batch.error_file).decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(error_csv)))
        self.assertEqual(lines[0], HEADERS_EN + ["Error"])
        self.assertEqual(len(lines), 6)
        self.assertEqual(lines[2][5], "not-an-email")
        self.assertIn("e-mail format", lines[2][-1])

    def test_duplicates_inside_the_file_are_errors_of_the_later_row(self):
        rows = [*self.rows, ["上海甲乙科技股份有限公司", "", "", "", "", "", ""]]
        result, _fields = self._import(self._csv(HEADERS_EN, rows))
        errors = self._errors(result)
        self.assertEqual(len(errors), 1, errors)
        self.assertIn("Row 5", errors[0])
        self.assertIn("duplicate in the file", errors[0])
        self.assertIn("as row 2", errors[0])

    def test_rows_match_existing_customers_by_tax_id_email_phone_and_name_variant(self):
        by_vat = self._create_customer("甲乙旧名", vat="91310000 ma1aaaa01x", email=False)
        by_phone = self._create_customer("丙丁旧名", phone="+86 10 6552 9988", email=False)
        by_name = self._create_customer("Hangzhou Widgets Limited", email=False)
        count = self.env["res.partner"].search_count([])
        result, _fields = self._import(self._csv(HEADERS_EN, self.rows))
        self.assertFalse(self._errors(result))
        self.assertEqual(self.env["res.partner"].search_count([]), count)
        self.assertEqual(by_vat.name, "上海甲乙科技有限公司")
        self.assertEqual(by_phone.email, "sales@bingding.example.cn")
        self.assertEqual(by_name.email, "hello@widgets.example.com")

    def test_customer_code_column_matches_the_existing_customer(self):
        customer = self._create_customer("Coded Co", is_crm_customer=True)
        headers = ["Customer Code", "City"]
        result, fields = self._import(self._csv(headers, [[customer.customer_code, "Suzhou"]]))
        self.assertEqual(fields, ["customer_code", "city"])
        self.assertFalse(self._errors(result))
        self.assertEqual(customer.city, "Suzhou")

    def test_batch_completeness_per_field_and_gate(self):
        self.company.crm_migration_completeness_min = 98.0
        rows = [list(row) for row in self.rows]
        rows[2][2] = ""  # one customer without industry: 8 of 9 required values
        result, _fields = self._import(self._csv(HEADERS_EN, rows))
        batch = self.env["crm.standard.migration.batch"].browse(result["crm_migration_batch_id"])
        self.assertEqual(batch.state, "incomplete")
        self.assertAlmostEqual(batch.completeness, 100 * 8 / 9, places=2)
        industry = batch.line_ids.filtered(lambda line: line.key == "industry_id")
        self.assertEqual((industry.filled_count, industry.missing_count), (2, 1))
        action = batch.action_view_incomplete()
        self.assertEqual(
            self.env["res.partner"].search(action["domain"]).mapped("name"),
            ["Hangzhou Widgets Co., Ltd."],
        )
        self.company.crm_migration_completeness_min = 85.0
        batch.action_recompute_completeness()
        self.assertEqual(batch.state, "accepted")

    def test_import_templates_are_offered_with_bilingual_headers(self):
        templates = self.env["res.partner"].get_import_templates()
        paths = [t["template"] for t in templates]
        self.assertIn("/crm_standard/static/xls/crm_standard_customers.xlsx", paths)
        self.assertIn("/crm_standard/static/xls/crm_standard_customers.csv", paths)
        from odoo.tools.misc import file_open

        with file_open("crm_standard/static/xls/crm_standard_customers.csv", "rb") as fh:
            content = fh.read()
        _result, fields = self._import(content, dryrun=True)
        self.assertNotIn(False, fields)

    def test_salesperson_imports_own_customers_without_batch_rights(self):
        result, _fields = self._import(
            self._csv(HEADERS_EN, self.rows[:1]), user=self.user_salesman
        )
        self.assertFalse(self._errors(result))
        batch = self.env["crm.standard.migration.batch"].browse(result["crm_migration_batch_id"])
        self.assertEqual(batch.user_id, self.user_salesman)
        self.assertEqual(batch.created_count, 1)

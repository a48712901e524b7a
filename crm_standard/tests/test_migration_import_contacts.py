"""The contacts import template: the people of a customer company, matched
within their company (e-mail, else phone, else name), never against companies."""

import csv
import io

from odoo.tests import tagged
from odoo.tools.misc import file_open

from .test_migration_import import MigrationImportCase

CONTACT_FIELDS = ["name", "parent_id", "function", "decision_role", "email", "phone", "mobile"]
EXAMPLE_CUSTOMER = "上海示例科技股份有限公司"
TEMPLATE = "/crm_standard/static/xls/crm_standard_contacts.csv"


@tagged("post_install", "-at_install")
class TestMigrationImportContacts(MigrationImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer(
            EXAMPLE_CUSTOMER, is_crm_customer=True, phone="+86 21 6123 4567"
        )
        cls.Partner = cls.env["res.partner"].with_context(active_test=False)

    def _template(self):
        self.assertIn(
            TEMPLATE, [t["template"] for t in self.env["res.partner"].get_import_templates()]
        )
        with file_open(TEMPLATE.lstrip("/"), "rb") as fh:
            return fh.read()

    def _rows(self, content):
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))

    def _import_contacts(self, headers, rows, encoding="utf-8", dryrun=False):
        result, fields = self._import(self._csv(headers, rows, encoding=encoding), dryrun=dryrun)
        return result, fields

    def test_contact_template_headers_are_mapped_in_english_and_chinese(self):
        content = self._template()
        # the customers' own template stays offered
        self.assertIn(
            "/crm_standard/static/xls/crm_standard_customers.xlsx",
            [t["template"] for t in self.env["res.partner"].get_import_templates()],
        )
        _result, fields = self._import(content, dryrun=True)
        self.assertEqual(fields, CONTACT_FIELDS)
        headers, example = self._rows(content)
        for half in (0, 1):
            _result, fields = self._import_contacts(
                [header.split(" / ")[half] for header in headers], [example], dryrun=True
            )
            self.assertEqual(fields, CONTACT_FIELDS)

    def test_contact_template_test_mode_import_then_reimport_creates_nothing(self):
        content = self._template()
        count = self.Partner.search_count([])
        result, _fields = self._import(content, dryrun=True)
        self.assertFalse(self._errors(result))
        self.assertEqual(self.Partner.search_count([]), count)
        result, _fields = self._import(content)
        self.assertFalse(self._errors(result))
        self.assertEqual(self.Partner.search_count([]), count + 1)
        contact = self.customer.child_ids
        self.assertEqual(
            (contact.name, contact.function, contact.decision_role, contact.email),
            ("张伟", "采购经理", "decision_maker", "zhang.wei@example.cn"),
        )
        self.assertFalse(contact.is_company)
        self.assertEqual(self.customer.name, EXAMPLE_CUSTOMER)
        # the same file again: the contact matched and updated, nothing new
        result, _fields = self._import(content)
        self.assertFalse(self._errors(result))
        self.assertEqual(self.Partner.search_count([]), count + 1)
        batch = self.env["crm.standard.migration.batch"].browse(result["crm_migration_batch_id"])
        self.assertEqual((batch.created_count, batch.updated_count), (0, 1))

    def test_contact_with_the_company_email_and_phone_stays_a_contact(self):
        headers = ["Name", "Related Company", "Email", "Phone"]
        row = ["李娜", EXAMPLE_CUSTOMER, self.customer.email, self.customer.phone]
        count = self.Partner.search_count([])
        for _run in range(2):
            result, _fields = self._import_contacts(headers, [row])
            self.assertFalse(self._errors(result))
            self.assertEqual(self.Partner.search_count([]), count + 1)
        self.assertEqual(self.customer.name, EXAMPLE_CUSTOMER)
        self.assertTrue(self.customer.is_company)
        contact = self.customer.child_ids
        self.assertEqual((contact.name, contact.email), ("李娜", self.customer.email))

    def test_contact_row_by_company_database_id_never_matches_the_company(self):
        headers = ["Name", "Related Company/Database ID", "Email"]
        row = ["周杰", str(self.customer.id), self.customer.email]
        count = self.Partner.search_count([])
        for _run in range(2):
            result, fields = self._import_contacts(headers, [row])
            self.assertEqual(fields, ["name", "parent_id/.id", "email"])
            self.assertFalse(self._errors(result))
            self.assertEqual(self.Partner.search_count([]), count + 1)
        self.assertEqual(self.customer.name, EXAMPLE_CUSTOMER)
        self.assertEqual(self.customer.child_ids.name, "周杰")

    def test_company_row_never_matches_a_contact_of_the_same_email_or_phone(self):
        contact = self.Partner.create(
            {"name": "赵敏", "parent_id": self.customer.id, "email": "zhao.min@example.cn",
             "phone": "+86 21 6123 9999"}
        )  # fmt: skip
        count = self.Partner.search_count([])
        result, _fields = self._import_contacts(
            ["Name", "Email", "Phone"],
            [["杭州新客户有限公司", "zhao.min@example.cn", "+86 21 6123 9999"]],
        )
        self.assertFalse(self._errors(result))
        self.assertEqual(self.Partner.search_count([]), count + 1)
        self.assertEqual((contact.name, contact.parent_id), ("赵敏", self.customer))

    def test_gbk_csv_contacts_by_customer_code_reimport_updates_instead_of_duplicating(self):
        self.assertTrue(self.customer.customer_code)
        headers = ["姓名", "所属客户", "职位", "决策角色", "邮箱", "手机"]
        rows = [
            ["王芳", self.customer.customer_code, "总经理", "Decision Maker", "", "139 1234 0001"],
            ["陈静", EXAMPLE_CUSTOMER, "财务", "Influencer", "chen.jing@example.cn", ""],
        ]
        count = self.Partner.search_count([])
        result, fields = self._import_contacts(headers, rows, encoding="gbk", dryrun=True)
        self.assertEqual(
            fields, ["name", "parent_id", "function", "decision_role", "email", "mobile"]
        )
        self.assertFalse(self._errors(result))
        self.assertEqual(self.Partner.search_count([]), count)
        result, _fields = self._import_contacts(headers, rows, encoding="gbk")
        self.assertFalse(self._errors(result))
        self.assertEqual(self.Partner.search_count([]), count + 2)
        rows[0][2], rows[1][2] = "董事长", "财务总监"
        result, _fields = self._import_contacts(headers, rows, encoding="gbk")
        self.assertFalse(self._errors(result))
        self.assertEqual(self.Partner.search_count([]), count + 2)
        self.assertEqual(
            sorted(self.customer.child_ids.mapped("function")), sorted(["董事长", "财务总监"])
        )

    def test_contacts_match_within_their_company_by_email_else_phone_else_name(self):
        other = self._create_customer("北京另一家有限公司", is_crm_customer=True)
        by_email = self.Partner.create(
            {"name": "张三", "parent_id": self.customer.id, "email": "zhang.san@example.cn",
             "phone": "+86 21 6000 0001"}
        )  # fmt: skip
        by_phone = self.Partner.create(
            {"name": "李四", "parent_id": self.customer.id, "mobile": "+86 139 0000 0002"}
        )
        by_name = self.Partner.create({"name": "王五", "parent_id": self.customer.id})
        elsewhere = self.Partner.create(
            {"name": "张三", "parent_id": other.id, "email": "zhang.san@example.cn"}
        )
        count = self.Partner.search_count([])
        headers = ["Name", "Related Company", "Email", "Phone", "Job Position"]
        result, _fields = self._import_contacts(
            headers,
            [
                ["张三丰", EXAMPLE_CUSTOMER, "Zhang.San@Example.cn", "", "经理"],
                ["李四", EXAMPLE_CUSTOMER, "", "＋８６　１３９　００００　０００２", "主管"],
                [" 王五 ", EXAMPLE_CUSTOMER, "", "", "助理"],
                # the switchboard number of 张三 but another e-mail: another person
                ["赵六", EXAMPLE_CUSTOMER, "zhao.liu@example.cn", "+86 21 6000 0001", "工程师"],
            ],
        )
        self.assertFalse(self._errors(result))
        self.assertEqual(self.Partner.search_count([]), count + 1)
        self.assertEqual((by_email.name, by_email.function), ("张三丰", "经理"))
        self.assertEqual(by_phone.function, "主管")
        self.assertEqual(by_name.function, "助理")
        self.assertEqual((elsewhere.name, elsewhere.function), ("张三", False))
        self.assertEqual(
            self.customer.child_ids.filtered(lambda c: c.name == "赵六").email,
            "zhao.liu@example.cn",
        )

    def test_unknown_company_and_same_contact_twice_are_row_errors_naming_the_column(self):
        self._create_customer("北京另一家有限公司", is_crm_customer=True)
        headers = ["Name", "Related Company", "Email"]
        count = self.Partner.search_count([])
        result, _fields = self._import_contacts(
            headers,
            [
                ["甲", EXAMPLE_CUSTOMER, "same@example.cn"],
                ["乙", EXAMPLE_CUSTOMER, "SAME@example.cn"],
                ["丙", "北京另一家有限公司", "same@example.cn"],
                ["丁", "不存在的公司", ""],
            ],
        )
        errors = self._errors(result)
        self.assertEqual(len(errors), 2, errors)
        self.assertIn(
            "Row 3, column 'Related Company' (duplicate in the file)", errors[0] + errors[1]
        )
        self.assertIn("Row 5, column 'Related Company' (company resolved)", errors[0] + errors[1])
        # the other rows go through: the same e-mail in another company is another contact
        self.assertEqual(self.Partner.search_count([]), count + 2)

    def test_contact_import_queries_do_not_grow_with_the_rows(self):
        """The Related Company resolved once per file (code, then name), the
        contacts of the file's companies read in one query: 3 or 9 new contacts
        of the same company cost the same queries."""

        def rows(prefix, count):
            return [
                [f"{prefix}联系人{i}", EXAMPLE_CUSTOMER, f"{prefix.lower()}{i}@queries.example.cn",
                 f"+86 21 {prefix[-1]}555 {i:04d}"]
                for i in range(count)
            ]  # fmt: skip

        headers = ["Name", "Related Company", "Email", "Phone"]

        def queries(prefix, count):
            return self._import_queries(self._csv(headers, rows(prefix, count)))

        queries("Warm1", 2)
        self.assertEqual(queries("Nine3", 9), queries("Three2", 3))

    def test_contacts_batch_is_complete_without_the_customer_fields(self):
        # the company asks customers for an industry: people are not asked for it
        self.env.company.crm_required_field_ids = self.env["ir.model.fields"]._get(
            "res.partner", "industry_id"
        )
        self.env.company.crm_require_contact_channel = True
        result, _fields = self._import(self._template())
        self.assertFalse(self._errors(result))
        batch = self.env["crm.standard.migration.batch"].browse(result["crm_migration_batch_id"])
        self.assertEqual(batch.state, "accepted")
        self.assertEqual(batch.completeness, 100.0)
        lines = {line.key: (line.filled_count, line.total_count) for line in batch.line_ids}
        self.assertEqual(lines, {"industry_id": (0, 0), "contact_channel": (1, 1)})

"""Past follow-ups of the legacy systems imported as done activities in the
customer's chatter, at their original date."""

from odoo.tests import tagged

from .test_migration_import import MigrationImportCase

HEADERS = ["客户编码 / Customer Code", "客户 / Customer", "日期 / Date", "类型 / Type",
           "摘要 / Summary", "销售员 / Salesperson"]  # fmt: skip


@tagged("post_install", "-at_install")
class TestMigrationPastFollowups(MigrationImportCase):
    def _import_followups(self, content, dryrun=False):
        importer = self.env["base_import.import"].create(
            {"res_model": "crm.standard.past.followup", "file": content,
             "file_name": "followups.csv", "file_type": "text/csv"}
        )  # fmt: skip
        options = {"has_headers": True, "quoting": '"', "separator": "", "encoding": ""}
        preview = importer.parse_preview(dict(options))
        headers = preview["headers"]
        fields = ["/".join(preview["matches"].get(i) or []) or False for i in range(len(headers))]
        options = dict(preview["options"], has_headers=True, datetime_format="%Y-%m-%d %H:%M:%S")
        return importer.execute_import(fields, headers, options, dryrun=dryrun), fields

    def test_past_followups_become_done_activities_dated_in_the_chatter_and_reimport_adds_none(
        self,
    ):
        # the file's times are the importing user's local times
        self.env.user.tz = "Asia/Shanghai"
        customer = self._create_customer("Legacy Follow Co", is_crm_customer=True)
        call = self.env.ref("mail.mail_activity_data_call")
        rows = [
            [customer.customer_code, "", "2024-03-15 10:00:00", call.name, "电话回访：确认续约意向",
             "Sally Salesman"],
            ["", customer.name, "2023-11-02 15:30:00", call.name, "Quarterly review call",
             "Sally Salesman"],
        ]  # fmt: skip
        content = self._csv(HEADERS, rows)
        result, fields = self._import_followups(content, dryrun=True)
        self.assertEqual(
            fields,
            ["partner_code", "partner_id", "date", "activity_type_id", "summary", "user_id"],
        )
        self.assertFalse(self._errors(result))
        self.assertFalse(self.env["crm.standard.past.followup"].search([]))
        result, _fields = self._import_followups(content)
        self.assertFalse(self._errors(result))
        messages = customer.message_ids.filtered(lambda m: m.mail_activity_type_id == call)
        self.assertEqual(len(messages), 2)
        dated = {str(m.date): m for m in messages}
        # stored in UTC: Shanghai is UTC+8
        self.assertIn("2024-03-15 02:00:00", dated)
        self.assertIn("2023-11-02 07:30:00", dated)
        self.assertEqual(dated["2024-03-15 02:00:00"].author_id, self.user_salesman.partner_id)
        self.assertIn("确认续约意向", dated["2024-03-15 02:00:00"].body)
        self.assertFalse(customer.activity_ids)
        # the same file again: nothing new
        result, _fields = self._import_followups(content)
        self.assertFalse(self._errors(result))
        self.assertEqual(self.env["crm.standard.past.followup"].search_count([]), 2)
        self.assertEqual(
            len(customer.message_ids.filtered(lambda m: m.mail_activity_type_id == call)), 2
        )

    def test_unknown_customer_code_is_a_row_error_naming_the_customer(self):
        call = self.env.ref("mail.mail_activity_data_call")
        rows = [["NO-SUCH-CODE", "", "2024-03-15 10:00:00", call.name, "Lost call", ""]]
        result, _fields = self._import_followups(self._csv(HEADERS, rows))
        errors = self._errors(result)
        self.assertEqual(len(errors), 1)
        self.assertIn("Customer: no customer with the code 'NO-SUCH-CODE'", errors[0])

"""Import templates of opportunities and tickets: bilingual headers mapped by
the import, an example row that imports, and the legacy reference as the match
key (a re-import updates instead of duplicating)."""

import csv
import io

from odoo.tests import tagged
from odoo.tools.misc import file_open

from .test_migration_import import MigrationImportCase

LEAD_FIELDS = ["crm_legacy_ref", "name", "type", "partner_id", "user_id", "team_id", "stage_id",
               "expected_revenue", "date_deadline", "email_from", "phone", "description"]  # fmt: skip
TICKET_FIELDS = ["crm_legacy_ref", "name", "partner_id", "ticket_type", "category_id", "priority",
                 "channel", "team_id", "user_id", "stage_id", "date_received",
                 "description"]  # fmt: skip
EXAMPLE_CUSTOMER = "上海示例科技股份有限公司"


@tagged("post_install", "-at_install")
class TestMigrationImportTemplates(MigrationImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer(EXAMPLE_CUSTOMER, is_crm_customer=True)

    def _template(self, model, name):
        path = f"/crm_standard/static/xls/{name}"
        self.assertIn(path, [t["template"] for t in self.env[model].get_import_templates()])
        with file_open(path.lstrip("/"), "rb") as fh:
            return fh.read()

    def _import_model(self, model, content, user, dryrun=False):
        """Preview then import as ``user``, like the web client."""
        return self._import(
            content, file_name="legacy.csv", dryrun=dryrun, user=user, model=model,
            date_format="%Y-%m-%d", datetime_format="%Y-%m-%d %H:%M:%S",
        )  # fmt: skip

    def _rows(self, content):
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))

    def test_opportunity_template_headers_are_mapped_in_english_and_chinese(self):
        content = self._template("crm.lead", "crm_standard_opportunities.csv")
        # Odoo's own opportunity template stays offered
        self.assertIn(
            "/crm/static/xls/crm_lead.xls",
            [t["template"] for t in self.env["crm.lead"].get_import_templates()],
        )
        _result, fields = self._import_model(
            "crm.lead", content, self.user_sales_manager, dryrun=True
        )
        self.assertEqual(fields, LEAD_FIELDS)
        # the Chinese half alone, as a legacy export has it
        headers, example = self._rows(content)
        chinese = [header.split(" / ")[0] for header in headers]
        _result, fields = self._import_model(
            "crm.lead", self._csv(chinese, [example], encoding="gbk"), self.user_sales_manager,
            dryrun=True,
        )  # fmt: skip
        self.assertEqual(fields, LEAD_FIELDS)

    def test_opportunity_template_test_mode_import_and_reimport_by_legacy_reference(self):
        content = self._template("crm.lead", "crm_standard_opportunities.csv")
        Lead = self.env["crm.lead"].with_context(active_test=False)
        result, _fields = self._import_model(
            "crm.lead", content, self.user_sales_manager, dryrun=True
        )
        self.assertFalse(self._errors(result))
        self.assertFalse(Lead.search([("crm_legacy_ref", "=", "OPP-2024-0001")]))
        result, _fields = self._import_model("crm.lead", content, self.user_sales_manager)
        self.assertFalse(self._errors(result))
        lead = Lead.search([("crm_legacy_ref", "=", "OPP-2024-0001")])
        self.assertEqual(len(lead), 1)
        self.assertEqual(
            (lead.type, lead.partner_id, lead.user_id, lead.expected_revenue),
            ("opportunity", self.customer, self.env.ref("base.user_admin"), 280000),
        )
        self.assertEqual(lead.stage_id.name, "New")
        self.assertEqual(str(lead.date_deadline), "2025-06-30")
        count = Lead.search_count([])
        # the same file again: nothing new; a changed value updates the same record
        result, _fields = self._import_model("crm.lead", content, self.user_sales_manager)
        self.assertFalse(self._errors(result))
        self.assertEqual(Lead.search_count([]), count)
        headers, example = self._rows(content)
        example[7] = "300000"
        result, _fields = self._import_model(
            "crm.lead", self._csv(headers, [example]), self.user_sales_manager
        )
        self.assertFalse(self._errors(result))
        self.assertEqual(Lead.search_count([]), count)
        self.assertEqual(lead.expected_revenue, 300000)

    def test_reimport_updates_a_lost_opportunity_instead_of_duplicating_it(self):
        content = self._template("crm.lead", "crm_standard_opportunities.csv")
        self._import_model("crm.lead", content, self.user_sales_manager)
        lead = self.env["crm.lead"].search([("crm_legacy_ref", "=", "OPP-2024-0001")])
        lead.action_set_lost()
        self.assertFalse(lead.active)
        result, _fields = self._import_model("crm.lead", content, self.user_sales_manager)
        self.assertFalse(self._errors(result))
        self.assertEqual(
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search_count([("crm_legacy_ref", "=", "OPP-2024-0001")]),
            1,
        )

    def test_same_legacy_reference_twice_in_a_file_is_an_error_naming_the_field(self):
        content = self._template("crm.lead", "crm_standard_opportunities.csv")
        headers, example = self._rows(content)
        other = list(example)
        other[1] = "另一个商机"
        result, _fields = self._import_model(
            "crm.lead", self._csv(headers, [example, other]), self.user_sales_manager
        )
        errors = self._errors(result)
        self.assertTrue(errors)
        self.assertIn("Legacy Reference", " ".join(errors))
        self.assertFalse(self.env["crm.lead"].search([("crm_legacy_ref", "=", "OPP-2024-0001")]))

    def test_ticket_template_test_mode_import_and_reimport_by_legacy_reference(self):
        content = self._template("crm.standard.ticket", "crm_standard_tickets.csv")
        Ticket = self.env["crm.standard.ticket"].with_context(active_test=False)
        result, fields = self._import_model(
            "crm.standard.ticket", content, self.user_service_manager, dryrun=True
        )
        self.assertEqual(fields, TICKET_FIELDS)
        self.assertFalse(self._errors(result))
        self.assertFalse(Ticket.search([("crm_legacy_ref", "=", "TK-2024-0001")]))
        result, _fields = self._import_model(
            "crm.standard.ticket", content, self.user_service_manager
        )
        self.assertFalse(self._errors(result))
        ticket = Ticket.search([("crm_legacy_ref", "=", "TK-2024-0001")])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(
            (ticket.ticket_type, ticket.priority, ticket.channel),
            ("after_sales", "2", "phone"),
        )
        self.assertEqual(ticket.category_id, self.env.ref("crm_standard.ticket_category_product"))
        self.assertEqual(ticket.stage_id, self.env.ref("crm_standard.ticket_stage_solved"))
        self.assertEqual(ticket.user_id, self.env.ref("base.user_admin"))
        # the original reception date is kept (given at creation, then system-set)
        self.assertEqual(str(ticket.date_received)[:10], "2024-09-12")
        count = Ticket.search_count([])
        result, _fields = self._import_model(
            "crm.standard.ticket", content, self.user_service_manager
        )
        self.assertFalse(self._errors(result))
        self.assertEqual(Ticket.search_count([]), count)

    def test_reimport_matches_the_legacy_reference_of_the_import_company_only(self):
        # the same legacy number in another company of the user: another record
        company_b = self.env["res.company"].create({"name": "Legacy Ref Company B"})
        self.user_service_manager.write({"company_ids": [(4, company_b.id)]})
        elsewhere = self.env["crm.standard.ticket"].create(
            {
                "name": "Company B's ticket",
                "partner_id": self.customer.id,
                "company_id": company_b.id,
                "crm_legacy_ref": "TK-2024-0001",
            }
        )
        content = self._template("crm.standard.ticket", "crm_standard_tickets.csv")
        # both companies allowed (the default), the import goes to the main company
        result, _fields = self._import_model(
            "crm.standard.ticket", content, self.user_service_manager
        )
        self.assertFalse(self._errors(result))
        tickets = self.env["crm.standard.ticket"].search([("crm_legacy_ref", "=", "TK-2024-0001")])
        self.assertEqual(tickets.company_id, self.company | company_b)
        self.assertEqual(elsewhere.name, "Company B's ticket", "not overwritten")

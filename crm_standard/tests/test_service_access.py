"""Who reads the service-delivery records (issue 23, "done means"): the feedback
forms, progress reports and greeting e-mails of a customer follow its salesperson;
service roles read the feedback; another company's stay hidden; the customer in
service in the list's filter and grouping."""

from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestServiceRecordRules(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sally_customer = cls._create_customer(
            "Sally's Service Co", user_id=cls.user_salesman.id
        )
        cls.alex_customer = cls._create_customer(
            "Alex's Service Co", user_id=cls.user_salesman_all.id
        )
        cls.customers = cls.sally_customer | cls.alex_customer
        cls.company_b = cls.env["res.company"].create({"name": "Service Company B"})
        Feedback = cls.env["crm.standard.feedback"]
        cls.feedback = Feedback.create(
            [{"partner_id": p.id, "state": "done", "result": 4} for p in cls.customers]
        ) | Feedback.create({"partner_id": cls.sally_customer.id, "company_id": cls.company_b.id})
        cls.reports = cls.env["crm.standard.progress.report"].create(
            [
                {
                    "partner_id": p.id,
                    "period_start": date(2027, 1, 11),
                    "company_id": cls.company.id,
                }
                for p in cls.customers
            ]
        )
        cls.greetings = cls.env["crm.standard.greeting"].create(
            [
                {
                    "partner_id": p.id,
                    "occasion": "founding",
                    "date": date(2027, 10, 8),
                    "company_id": cls.company.id,
                }
                for p in cls.customers
            ]
        )

    def _seen(self, user, records):
        self.env.invalidate_all()
        return records.with_user(user).search([("id", "in", records.ids)])

    def test_salesperson_reads_the_logs_of_own_customers_only(self):
        for records in (self.feedback, self.reports, self.greetings):
            seen = self._seen(self.user_salesman, records)
            self.assertEqual(seen.partner_id, self.sally_customer, records._name)
            self.assertNotIn(self.company_b, seen.company_id, records._name)
        with self.assertRaises(AccessError):
            self._seen(self.user_salesman, self.feedback[:1]).write({"result": 1})

    def test_all_documents_and_service_roles_read_every_customer_of_their_company(self):
        main = self.feedback.filtered(lambda f: f.company_id == self.company)
        for user in (self.user_salesman_all, self.user_service_agent, self.user_service_manager):
            self.assertEqual(self._seen(user, self.feedback), main, user.login)
        self.assertEqual(self._seen(self.user_salesman_all, self.reports), self.reports)
        self.assertEqual(self._seen(self.user_salesman_all, self.greetings), self.greetings)
        # progress reports and greeting e-mails are the salespeople's, not the service's
        with self.assertRaises(AccessError):
            self._seen(self.user_service_agent, self.reports)
        with self.assertRaises(AccessError):
            self._seen(self.user_service_agent, self.greetings)

    def test_in_service_filter_and_grouping_of_the_customer_list(self):
        self.sally_customer._crm_start_service(date(2027, 6, 30))
        Partner = self.env["res.partner"].with_user(self.user_salesman_all)
        self.env.invalidate_all()
        view = self.env.ref("crm_standard.res_partner_view_search_crm_service")
        self.assertIn('name="crm_in_service"', view.arch)
        found = Partner.web_search_read(
            [("crm_service_state", "=", "in_service"), ("id", "in", self.customers.ids)],
            {"display_name": {}},
        )
        self.assertEqual([r["id"] for r in found["records"]], self.sally_customer.ids)
        groups = Partner.web_read_group(
            [("id", "in", self.customers.ids)], ["crm_service_state"], ["crm_service_state"]
        )
        counts = {g["crm_service_state"]: g["crm_service_state_count"] for g in groups["groups"]}
        self.assertEqual(counts, {"in_service": 1, "none": 1})

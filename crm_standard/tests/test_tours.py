"""Browser tours (web_tour): the main flows as real users click them, with
the record rules and the web client's routes of each role. What a tour cannot
see (database state) is asserted here after the tour. The tours are in
static/tests/tours/; a tour fails on any error dialog or traceback."""

from odoo.tests import HttpCase, tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestTours(CrmStandardCommon, HttpCase):
    def test_salesperson_creates_customer_from_customers_menu(self):
        """CRM > Sales > Customers > New as a salesperson (own documents): the
        saved customer shows its code, its lifecycle stage and a chatter where
        the salesperson logs a note; the customer is theirs."""
        self.start_tour("/odoo", "crm_standard_customer_create", login=self.user_salesman.login)

        partner = self.env["res.partner"].search([("name", "=", "Tour Lumber Co")])
        self.assertEqual(len(partner), 1)
        self.assertTrue(partner.is_company)
        self.assertTrue(partner.is_crm_customer)
        self.assertEqual(partner.user_id, self.user_salesman, "the creator is its salesperson")
        self.assertTrue(partner.customer_code.startswith("CUS"), partner.customer_code)
        self.assertEqual(partner.industry_id, self.industry_it)
        self.assertEqual(partner.email, "info@tourlumber.example.com")
        self.assertEqual(partner.phone_sanitized, "+861065521234")
        self.assertEqual(partner.lifecycle_stage, "potential")
        note = partner.message_ids.filtered(lambda m: "Met the buyer" in str(m.body))
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.user_salesman.partner_id)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))

    def test_salesperson_opens_opportunity_followed_by_hidden_partner(self):
        """Pipeline > own opportunity, then its customer, both followed by a
        colleague's customer the salesperson may not see: the chatters and
        the follower lists load (no access error) and do not list it."""
        colleague = self._create_colleague()
        hidden = self._create_customer("Hidden Colleague Customer", user_id=colleague.id)
        hidden.action_make_customer()
        customer = self._create_customer("Tour Followed Co", user_id=self.user_salesman.id)
        lead = self._create_opportunity(
            customer, name="Tour Followed Deal", user_id=self.user_salesman.id
        )
        followers = (hidden | self.user_salesman.partner_id).ids
        for record, note in (
            (lead, "Tour followed deal note"),
            (customer, "Tour followed customer note"),
        ):
            record.message_subscribe(partner_ids=followers)
            record.message_post(body=note, subtype_xmlid="mail.mt_note")
        self.assertFalse(
            self.env["res.partner"].with_user(self.user_salesman).search([("id", "=", hidden.id)]),
            "the fixture: the salesperson may not see the colleague's customer",
        )
        self.assertTrue(customer.is_crm_customer)

        self.start_tour(
            "/odoo", "crm_standard_pipeline_hidden_follower", login=self.user_salesman.login
        )

        self.assertIn(hidden, lead.message_partner_ids, "the hidden follower still follows")
        self.assertIn(hidden, customer.message_partner_ids)

    def test_sales_manager_approves_grade_override_from_menu(self):
        """CRM > Sales > Grade Override Requests as a sales manager: approving a
        salesperson's pending request gives the customer the requested grade,
        shown by the badge of its form."""
        customer = self._create_customer("Tour Graded Co", user_id=self.user_salesman.id)
        customer.action_make_customer()
        self.assertNotEqual(customer.customer_grade, "S")
        request = (
            self.env["crm.standard.grade.override"]
            .with_user(self.user_salesman)
            .create(
                {
                    "partner_id": customer.id,
                    "requested_grade": "S",
                    "reason": "Strategic account for the region",
                }
            )
        )
        self.assertEqual(request.state, "pending")

        self.start_tour(
            "/odoo", "crm_standard_grade_override_approve", login=self.user_sales_manager.login
        )

        self.env.invalidate_all()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.reviewer_id, self.user_sales_manager)
        self.assertEqual(customer.crm_grade_manual, "S")
        self.assertEqual(customer.customer_grade, "S")

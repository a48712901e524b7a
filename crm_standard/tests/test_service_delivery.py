"""Service delivery (issue 23): the needs list of an opportunity, the service
proposal with its revision rounds and its portal acceptance, the customer in
service."""

from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import Request
from odoo.tests import HttpCase, freeze_time, tagged

from .common import CrmStandardCommon


class ServiceDeliveryCommon(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_proposal = cls.env["crm.stage"].create(
            {"name": "Proposal (test)", "sequence": 30, "crm_require_confirmed_needs": True}
        )
        cls.customer = cls._create_customer("Service Test Co", user_id=cls.user_salesman.id)
        cls.contact = cls.env["res.partner"].create(
            {"name": "Carl Contact", "parent_id": cls.customer.id, "email": "carl@svc.example.com"}
        )
        cls.lead = cls._create_opportunity(cls.contact, user_id=cls.user_salesman.id)
        cls.need_rigid = cls.env["crm.standard.need"].create(
            {"lead_id": cls.lead.id, "name": "24/7 hotline", "need_type": "rigid"}
        )
        cls.need_flexible = cls.env["crm.standard.need"].create(
            {"lead_id": cls.lead.id, "name": "Monthly report layout", "need_type": "flexible"}
        )

    def _proposal(self, **vals):
        values = {
            "name": "Maintenance 2027",
            "lead_id": self.lead.id,
            "need_ids": [(6, 0, self.need_rigid.ids)],
            "date_start": date(2027, 1, 1),
            "date_end": date(2027, 6, 30),
        }
        values.update(vals)
        return self.env["crm.standard.service.proposal"].create(values)


@tagged("post_install", "-at_install")
class TestServiceNeeds(ServiceDeliveryCommon):
    def test_unconfirmed_rigid_need_blocks_the_proposal_stage(self):
        lead = self._as(self.user_salesman, self.lead)
        with self.assertRaisesRegex(ValidationError, "24/7 hotline"):
            lead.write({"stage_id": self.stage_proposal.id})

    def test_confirmed_rigid_need_lets_the_opportunity_reach_the_proposal_stage(self):
        self._as(self.user_salesman, self.need_rigid).action_confirm()
        self.assertEqual(self.need_rigid.state, "confirmed")
        self.assertEqual(self.need_rigid.confirmed_contact_id, self.contact)
        self.assertTrue(self.need_rigid.confirmed_date)
        # the flexible need, still open, does not block
        self._as(self.user_salesman, self.lead).write({"stage_id": self.stage_proposal.id})
        self.assertEqual(self.lead.stage_id, self.stage_proposal)

    def test_admin_switch_turns_the_need_stage_rule_off(self):
        self.company.crm_need_stage_rule = False
        self._as(self.user_salesman, self.lead).write({"stage_id": self.stage_proposal.id})
        self.assertEqual(self.lead.stage_id, self.stage_proposal)

    def test_odoo_proposition_stage_requires_confirmed_needs(self):
        self.assertTrue(self.env.ref("crm.stage_lead3").crm_require_confirmed_needs)

    def test_internal_review_records_reviewer_and_rejection_needs_a_comment(self):
        need = self._as(self.user_salesman, self.need_rigid)
        with self.assertRaisesRegex(UserError, "Status"):
            need.action_review_accept()
        need.action_confirm()
        with self.assertRaisesRegex(UserError, "Review Comment"):
            need.action_review_reject()
        need.review_comment = "Out of our service area"
        need.action_review_reject()
        self.assertEqual(need.state, "rejected")
        self.assertEqual(need.review_user_ids, self.user_salesman)

    def test_salesperson_does_not_see_needs_of_a_colleagues_opportunity(self):
        colleague = self._create_colleague()
        self.lead.user_id = colleague
        needs = self._as(self.user_salesman, "crm.standard.need").search(
            [("id", "in", (self.need_rigid | self.need_flexible).ids)]
        )
        self.assertFalse(needs)
        self.assertEqual(
            self._as(self.user_salesman_all, "crm.standard.need").search_count(
                [("lead_id", "=", self.lead.id)]
            ),
            2,
        )


@tagged("post_install", "-at_install")
class TestServiceProposal(ServiceDeliveryCommon):
    def test_proposal_must_answer_every_rigid_need(self):
        proposal = self._proposal(need_ids=[(6, 0, self.need_flexible.ids)])
        with self.assertRaisesRegex(UserError, "Needs Answered.*24/7 hotline"):
            self._as(self.user_salesman, proposal).action_send()

    def test_send_gives_a_token_link_to_the_customer_contact(self):
        proposal = self._as(self.user_salesman, self._proposal())
        proposal.action_send()
        self.assertEqual(proposal.state, "sent")
        self.assertTrue(proposal.access_token)
        self.assertIn(f"/my/crm_proposal/{proposal.id}?access_token=", proposal.get_portal_url())
        message = proposal.message_ids[0]
        self.assertIn(self.contact, message.partner_ids)
        self.assertIn(proposal.access_token, message.body)

    def _request_changes(self, proposal):
        proposal.sudo()._crm_portal_request_changes("Please add a weekend hotline")

    def test_third_revision_round_needs_a_sales_manager_approval(self):
        proposal = self._as(self.user_salesman, self._proposal())
        proposal.action_send()
        for round_ in (1, 2):
            self._request_changes(proposal)
            proposal.action_send()
            self.assertEqual(proposal.revision_count, round_)
            self.assertEqual(proposal.version, round_ + 1)
        self._request_changes(proposal)
        self.assertTrue(proposal.revision_approval_needed)
        with self.assertRaisesRegex(UserError, "Revision Rounds.*limit is 2"):
            proposal.action_send()
        with self.assertRaisesRegex(UserError, "sales manager"):
            proposal.action_approve_revision()
        self._as(self.user_sales_manager, proposal).action_approve_revision()
        proposal = self._as(self.user_salesman, proposal)
        self.assertFalse(proposal.revision_approval_needed)
        proposal.action_send()
        self.assertEqual((proposal.revision_count, proposal.version), (3, 4))
        # the approval covers one round, not the next one
        self._request_changes(proposal)
        self.assertTrue(proposal.revision_approval_needed)

    def test_revision_limit_is_configurable(self):
        self.company.crm_proposal_revision_limit = 0
        proposal = self._proposal()
        proposal.action_send()
        self._request_changes(proposal)
        with self.assertRaisesRegex(UserError, "Revision Rounds"):
            proposal.action_send()
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.company.crm_proposal_revision_limit = -1

    def test_acceptance_wins_the_opportunity_and_puts_the_customer_in_service(self):
        proposal = self._proposal()
        proposal.action_send()
        proposal.sudo()._crm_portal_accept("Carl Contact")
        self.assertEqual(proposal.state, "accepted")
        self.assertEqual(proposal.accepted_by, "Carl Contact")
        self.assertTrue(proposal.accepted_date)
        self.assertTrue(self.lead.stage_id.is_won)
        self.assertEqual(self.customer.crm_service_state, "in_service")
        self.assertEqual(self.customer.crm_service_date_end, date(2027, 6, 30))
        self.assertIn(
            self.customer, self.customer.search([("crm_service_state", "=", "in_service")])
        )

    def test_acceptance_leaves_the_opportunity_open_when_switched_off(self):
        self.company.crm_proposal_accept_wins = False
        proposal = self._proposal()
        proposal.action_send()
        proposal.sudo()._crm_portal_accept("Carl Contact")
        self.assertFalse(self.lead.stage_id.is_won)
        self.assertEqual(self.customer.crm_service_state, "in_service")

    def test_service_ends_after_the_delivery_period_and_by_hand(self):
        proposal = self._proposal()
        proposal.action_send()
        proposal.sudo()._crm_portal_accept("Carl Contact")
        partners = self.env["res.partner"]
        with freeze_time("2027-06-30"):
            partners._cron_crm_end_services()
            self.assertEqual(self.customer.crm_service_state, "in_service")
        with freeze_time("2027-07-01"):
            partners._cron_crm_end_services()
            self.assertEqual(self.customer.crm_service_state, "ended")
            partners._cron_crm_end_services()  # idempotent
            self.assertEqual(self.customer.crm_service_state, "ended")
        other = self._create_customer("Other Service Co", user_id=self.user_salesman.id)
        other._crm_start_service(False)
        self._as(self.user_salesman, other).action_crm_end_service()
        self.assertEqual(other.crm_service_state, "ended")

    def test_delivery_period_and_fees_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "Delivery To"):
            self._proposal(date_start=date(2027, 2, 1), date_end=date(2027, 1, 1))
        with self.assertRaisesRegex(ValidationError, "Fees"):
            self._proposal(fee=-5)

    def test_salesperson_does_not_see_a_colleagues_proposal(self):
        proposal = self._proposal()
        self.lead.user_id = self._create_colleague()
        with self.assertRaises(AccessError):
            self._as(self.user_salesman, proposal).read(["name"])


@tagged("post_install", "-at_install")
class TestServiceSystemFields(ServiceDeliveryCommon):
    """What the system and the customer's portal answer set is refused to a
    salesperson over RPC (the form shows it read-only only)."""

    def _sally(self, records):
        self.env.invalidate_all()
        return records.with_user(self.user_salesman)

    def test_salesperson_cannot_forge_the_acceptance_of_a_proposal(self):
        proposal = self._proposal()
        proposal.action_send()
        forged = {
            "accepted_by": "Carl Contact",
            "accepted_date": "2027-01-02 10:00:00",
            "state": "accepted",
        }
        for fname, value in forged.items():
            with self.assertRaisesRegex(AccessError, "set by the system on Service Proposal"):
                self._sally(proposal).web_save({fname: value}, specification={})
            with self.assertRaisesRegex(AccessError, "set by the system on Service Proposal"):
                self._sally(proposal).write({fname: value})
        self.env.invalidate_all()
        self.assertEqual((proposal.state, proposal.accepted_by), ("sent", False))
        self.assertFalse(proposal.accepted_date)
        self.assertEqual(self.customer.crm_service_state, "none")

    def test_salesperson_cannot_put_a_customer_in_service_by_hand(self):
        customer = self._sally(self.customer)
        with self.assertRaisesRegex(AccessError, "Service Status: set by the system on Contact"):
            customer.web_save({"crm_service_state": "in_service"}, specification={})
        with self.assertRaisesRegex(AccessError, "Service Status"):
            customer.write({"crm_service_state": "ended"})
        # the end date of the delivery stays the salesperson's to extend
        customer.write({"crm_service_date_end": "2027-12-31"})
        self.assertEqual(self.customer.crm_service_state, "none")

    def test_salesperson_cannot_write_version_or_revision_rounds(self):
        proposal = self._proposal()
        for vals in (
            {"version": 5},
            {"revision_count": 0, "revision_approved_round": 9},
            {"customer_comment": "Fine as it is"},
        ):
            with self.assertRaisesRegex(AccessError, "set by the system"):
                self._sally(proposal).web_save(vals, specification={})
            with self.assertRaisesRegex(AccessError, "set by the system"):
                self._sally(proposal).write(vals)
        self.assertEqual((proposal.version, proposal.revision_approved_round), (1, 0))

    def test_salesperson_cannot_create_an_accepted_proposal(self):
        Proposal = self._sally(self.env["crm.standard.service.proposal"])
        with self.assertRaisesRegex(AccessError, "Accepted By, Accepted On, Status"):
            Proposal.create(
                {
                    "name": "Forged",
                    "lead_id": self.lead.id,
                    "state": "accepted",
                    "accepted_by": "Carl Contact",
                    "accepted_date": "2027-01-02 10:00:00",
                }
            )
        with self.assertRaisesRegex(AccessError, "Version"):
            Proposal.web_save({"name": "Forged", "lead_id": self.lead.id, "version": 3}, {})
        # the form's own save of a new proposal still works (defaults included)
        proposal = Proposal.web_save(
            {"name": "Mine", "lead_id": self.lead.id, "state": "draft", "version": 1}, {}
        )
        self.assertEqual(len(proposal), 1)

    def test_buttons_still_move_the_proposal_for_the_salesperson(self):
        proposal = self._sally(self._proposal())
        proposal.action_send()
        proposal.sudo()._crm_portal_request_changes("Weekend hotline")
        proposal.action_send()
        self.assertEqual(
            (proposal.state, proposal.version, proposal.revision_count), ("sent", 2, 1)
        )
        proposal.action_cancel()
        proposal.action_draft()
        self.assertEqual(proposal.state, "draft")

    def test_salesperson_cannot_write_the_review_of_a_need(self):
        need = self._sally(self.need_rigid)
        for vals in (
            {"state": "accepted"},
            {"review_date": "2027-01-02"},
            {"review_user_ids": [(6, 0, self.user_sales_manager.ids)]},
        ):
            with self.assertRaisesRegex(AccessError, "set by the system on Customer Need"):
                need.web_save(vals, specification={})
            with self.assertRaisesRegex(AccessError, "set by the system on Customer Need"):
                need.write(vals)
        # the buttons do it; the dates the user records stay editable
        need.action_confirm()
        need.write({"review_comment": "Checked", "confirmed_date": "2027-01-03"})
        need.action_review_accept()
        self.assertEqual(need.state, "accepted")
        self.assertEqual(need.review_user_ids, self.user_salesman)

    def test_sales_manager_cannot_forge_the_customer_feedback(self):
        feedback = self.env["crm.standard.feedback"].create({"partner_id": self.customer.id})
        manager = feedback.with_user(self.user_sales_manager)
        self.env.invalidate_all()
        with self.assertRaisesRegex(AccessError, "set by the system on Customer Feedback"):
            manager.web_save({"efficiency": 5, "state": "done"}, specification={})
        with self.assertRaisesRegex(AccessError, "Suggestions"):
            manager.write({"suggestions": "Perfect"})
        self.assertEqual((feedback.state, feedback.efficiency), ("sent", 0))


@tagged("post_install", "-at_install")
class TestServiceProposalPortal(ServiceDeliveryCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.proposal = self._proposal(content="<p>Hotline and monthly visits</p>")
        self.proposal.action_send()
        self.other = self._proposal(name="Secret other proposal")
        self.other.action_send()
        self.env.flush_all()
        self.authenticate(None, None)  # the public user's session

    def _page(self, proposal_id, token):
        url = f"/my/crm_proposal/{proposal_id}"
        if token is not None:
            url += f"?access_token={token}"
        return self.url_open(url)

    def _answer(self, proposal_id, token, **data):
        data.update(access_token=token, csrf_token=Request.csrf_token(self))
        return self.url_open(f"/my/crm_proposal/{proposal_id}/answer", data=data)

    def test_public_user_with_the_token_reads_and_accepts_the_proposal(self):
        response = self._page(self.proposal.id, self.proposal.access_token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Hotline and monthly visits", response.text)
        response = self._answer(
            self.proposal.id, self.proposal.access_token, decision="accept", name="Carl Contact"
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.proposal.state, "accepted")
        self.assertEqual(self.proposal.accepted_by, "Carl Contact")
        self.assertEqual(self.customer.crm_service_state, "in_service")

    def test_public_user_asks_for_changes_with_a_comment(self):
        response = self._answer(self.proposal.id, self.proposal.access_token, decision="changes")
        self.assertIn("Comment", response.text)
        self.env.invalidate_all()
        self.assertEqual(self.proposal.state, "sent")
        self._answer(
            self.proposal.id, self.proposal.access_token, decision="changes", comment="Cheaper"
        )
        self.env.invalidate_all()
        self.assertEqual(self.proposal.state, "changes")
        self.assertEqual(self.proposal.customer_comment, "Cheaper")

    def test_wrong_missing_or_foreign_token_gets_not_found(self):
        token = self.proposal.access_token
        attempts = {
            "no token": (self.proposal.id, None),
            "empty token": (self.proposal.id, ""),
            "wrong token": (self.proposal.id, token[:-1] + ("0" if token[-1] != "0" else "1")),
            "token of another proposal": (self.other.id, token),
            "missing id": (self.other.id + 1000, token),
        }
        for label, (proposal_id, attempt) in attempts.items():
            with self.subTest(label):
                response = self._page(proposal_id, attempt)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn("Secret other proposal", response.text)
                response = self._answer(proposal_id, attempt or "", decision="accept", name="X")
                self.assertEqual(response.status_code, 404)
        self.env.invalidate_all()
        self.assertEqual((self.proposal | self.other).mapped("state"), ["sent", "sent"])


@tagged("post_install", "-at_install")
class TestFeedbackForm(ServiceDeliveryCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.proposal = self._proposal()
        self.proposal.action_send()
        self.proposal.sudo()._crm_portal_accept("Carl Contact")
        self.Feedback = self.env["crm.standard.feedback"]

    def test_feedback_is_requested_once_within_a_month_after_delivery(self):
        with freeze_time("2027-06-30"):
            self.assertEqual(self.Feedback._cron_crm_feedback_requests(), 0, "not delivered yet")
        with freeze_time("2027-07-05"):
            self.assertEqual(self.Feedback._cron_crm_feedback_requests(), 1)
            self.assertEqual(self.Feedback._cron_crm_feedback_requests(), 0, "once")
        feedback = self.proposal.feedback_ids
        self.assertEqual(feedback.partner_id, self.customer)
        self.assertIn(
            f"/crm_standard/feedback/{feedback.id}?access_token=", self.proposal.message_ids[0].body
        )
        late = self._proposal(name="Late", date_start=date(2027, 1, 1), date_end=date(2027, 1, 31))
        late.action_send()
        late.sudo()._crm_portal_accept("Carl Contact")
        with freeze_time("2027-07-05"):
            self.assertEqual(self.Feedback._cron_crm_feedback_requests(), 0, "over a month ago")

    def test_public_user_answers_the_three_dimensions_with_the_token(self):
        self.proposal.action_crm_request_feedback()
        feedback = self.proposal.feedback_ids.sudo()
        self.env.flush_all()
        self.authenticate(None, None)
        url = f"/crm_standard/feedback/{feedback.id}"
        self.assertEqual(
            self.url_open(f"{url}?access_token={feedback.access_token}").status_code, 200
        )
        for token in (None, "", "x" * 36):
            query = "" if token is None else f"?access_token={token}"
            self.assertEqual(self.url_open(url + query).status_code, 404)
        data = {"access_token": feedback.access_token, "csrf_token": Request.csrf_token(self)}
        response = self.url_open(f"{url}/submit", data=dict(data, efficiency=4, professionalism=6))
        self.assertIn("Professionalism", response.text)
        response = self.url_open(
            f"{url}/submit",
            data=dict(
                data, efficiency=4, professionalism=5, result=3, suggestions="Faster reports"
            ),
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(
            (feedback.efficiency, feedback.professionalism, feedback.result, feedback.state),
            (4, 5, 3, "done"),
        )
        self.assertEqual(feedback.suggestions, "Faster reports")
        self.assertIn(feedback, self.customer.crm_feedback_ids)
        # answered once
        response = self.url_open(
            f"{url}/submit", data=dict(data, efficiency=1, professionalism=1, result=1)
        )
        self.env.invalidate_all()
        self.assertEqual(feedback.efficiency, 4)
        bad = dict(data, access_token="0" * 36, efficiency=1, professionalism=1, result=1)
        self.assertEqual(self.url_open(f"{url}/submit", data=bad).status_code, 404)


@tagged("post_install", "-at_install")
class TestServiceReports(ServiceDeliveryCommon):
    def test_needs_record_and_customer_registration_render(self):
        Report = self.env["ir.actions.report"]
        html, __ = Report._render_qweb_html(
            "crm_standard.action_report_crm_need_record", self.lead.ids
        )
        self.assertIn("24/7 hotline", html.decode())
        self.assertIn("Monthly report layout", html.decode())
        html, __ = Report._render_qweb_html(
            "crm_standard.action_report_crm_customer_registration", self.customer.ids
        )
        self.assertIn("Service Test Co", html.decode())
        self.assertIn("Carl Contact", html.decode())

from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CrmStandardCommon

RAW_NEW = """Return-Path: <{email}>
To: {to}
From: "{name}" <{email}>
Subject: {subject}
Message-ID: <{msgid}>
Date: Fri, 20 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

{body}
"""

RAW_REPLY = """Return-Path: <{email}>
To: {to}
From: "{name}" <{email}>
Subject: Re: {subject}
Message-ID: <{msgid}>
In-Reply-To: <{parent}>
References: <{parent}>
Date: Fri, 20 Nov 2026 11:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

{body}
"""


class CrmStandardTicketCommon(CrmStandardCommon):
    """A service team of three agents led by the service manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        context = {"tracking_disable": False}
        cls.agent_b = new_test_user(
            cls.env,
            login="crm_agent_b",
            name="Bea Agent",
            groups="crm_standard.group_crm_standard_service_agent",
            context=context,
        )
        cls.agent_c = new_test_user(
            cls.env,
            login="crm_agent_c",
            name="Cai Agent",
            groups="crm_standard.group_crm_standard_service_agent",
            context=context,
        )
        cls.Ticket = cls.env["crm.standard.ticket"]
        cls.Stage = cls.env["crm.standard.ticket.stage"]
        cls.ticket_stage_new = cls.env.ref("crm_standard.ticket_stage_new")
        cls.ticket_stage_progress = cls.env.ref("crm_standard.ticket_stage_in_progress")
        cls.ticket_stage_solved = cls.env.ref("crm_standard.ticket_stage_solved")
        cls.team = cls.env["crm.standard.ticket.team"].create(
            {
                "name": "Test Support",
                "leader_id": cls.user_service_manager.id,
                "member_ids": [
                    Command.set((cls.user_service_agent | cls.agent_b | cls.agent_c).ids)
                ],
            }
        )
        cls.customer = cls._create_customer("Huayu Tech", user_id=cls.user_salesman.id)
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Liu Yang",
                "parent_id": cls.customer.id,
                "email": "liu.yang@huayu.example.com",
            }
        )

    @classmethod
    def _team_sla(cls):
        """The team's policy: answer within 4 hours, solve within 24."""
        return cls.env["crm.standard.ticket.sla"].create(
            {
                "name": "Team test: 4h / 24h",
                "team_id": cls.team.id,
                "sequence": 1,
                "response_hours": 4,
                "resolution_hours": 24,
            }
        )

    @classmethod
    def _ticket(cls, **vals):
        values = {"name": "Cannot log in", "partner_id": cls.contact.id, "team_id": cls.team.id}
        values.update(vals)
        return cls.env["crm.standard.ticket"].create(values)

    @classmethod
    def _tickets(cls, count, name="Cannot log in", **vals):
        """``count`` tickets in one create, named "<name> 0", "<name> 1", ..."""
        values = {"partner_id": cls.contact.id, "team_id": cls.team.id}
        values.update(vals)
        return cls.env["crm.standard.ticket"].create(
            [{"name": f"{name} {i}", **values} for i in range(count)]
        )

    @classmethod
    def _calendar_8_to_5(cls):
        """Monday to Friday, 8-12 and 13-17, UTC."""
        attendances = []
        for day in range(5):
            attendances += [
                Command.create(
                    {
                        "name": "Morning",
                        "dayofweek": str(day),
                        "hour_from": 8,
                        "hour_to": 12,
                        "day_period": "morning",
                    }
                ),
                Command.create(
                    {
                        "name": "Afternoon",
                        "dayofweek": str(day),
                        "hour_from": 13,
                        "hour_to": 17,
                        "day_period": "afternoon",
                    }
                ),
            ]
        return cls.env["resource.calendar"].create(
            {
                "name": "Office hours (test)",
                "tz": "UTC",
                "attendance_ids": attendances,
            }
        )


@tagged("post_install", "-at_install")
class TestTicketBasics(CrmStandardTicketCommon):
    def test_numbers_come_from_the_sequence_in_one_batch(self):
        tickets = self.Ticket.create(
            [{"name": f"Batch {i}", "partner_id": self.contact.id} for i in range(3)]
        )
        numbers = tickets.mapped("number")
        self.assertEqual(len(set(numbers)), 3)
        self.assertTrue(all(n.startswith("TK") for n in numbers))
        self.assertIn(numbers[0], tickets[0].display_name)

    def test_customer_is_the_commercial_partner_of_the_contact(self):
        ticket = self._ticket()
        self.assertEqual(ticket.commercial_partner_id, self.customer)
        self.assertIn(self.contact, ticket.message_partner_ids)

    def test_form_as_agent_fills_team_stage_and_assignee(self):
        with Form(self.env["crm.standard.ticket"].with_user(self.user_service_agent)) as form:
            form.name = "Cannot print invoices"
            form.partner_id = self.contact
            form.ticket_type = "after_sales"
        ticket = form.record
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.user_id, self.user_service_agent)
        self.assertEqual(ticket.commercial_partner_id, self.customer)
        self.assertTrue(ticket.response_deadline)

    def test_customer_smart_button_counts_and_history(self):
        self._ticket()
        self._ticket(name="Second")
        self.assertEqual(self.customer.crm_ticket_count, 2)
        self.assertEqual(len(self.customer.crm_ticket_ids), 2)
        action = self.customer.action_view_crm_tickets()
        self.assertEqual(self.Ticket.search_count(action["domain"]), 2)

    def test_ticket_links_the_customers_opportunity(self):
        opportunity = self._create_opportunity(self.customer)
        ticket = self._ticket(lead_id=opportunity.id, ticket_type="after_sales")
        self.assertEqual(ticket.lead_id, opportunity)
        self.assertIn(ticket.number, ticket.display_name)

    def test_solve_date_set_on_closing_stage_and_cleared_on_reopen(self):
        ticket = self._ticket()
        ticket.stage_id = self.ticket_stage_solved
        self.assertTrue(ticket.solve_date)
        self.assertTrue(ticket.is_closed)
        ticket.stage_id = self.ticket_stage_progress
        self.assertFalse(ticket.solve_date)


@tagged("post_install", "-at_install")
class TestTicketAssignment(CrmStandardTicketCommon):
    def _open_counts(self):
        return {
            user: self.Ticket.search_count([("user_id", "=", user.id), ("is_closed", "=", False)])
            for user in self.team.member_ids
        }

    def test_fewest_open_spreads_a_batch_fairly(self):
        # existing load: Sam 2, Bea 0, Cai 1
        self._ticket(user_id=self.user_service_agent.id)
        self._ticket(user_id=self.user_service_agent.id)
        self._ticket(user_id=self.agent_c.id)
        new = self._tickets(3, name="New")
        self.assertTrue(all(new.mapped("user_id")))
        self.assertEqual(set(self._open_counts().values()), {2})
        self.assertEqual(new[0].user_id, self.agent_b, "the least loaded member goes first")

    def test_closed_tickets_do_not_count_as_load(self):
        for __ in range(3):
            self._ticket(user_id=self.agent_b.id, stage_id=self.ticket_stage_solved.id)
        self._ticket(user_id=self.user_service_agent.id)
        self._ticket(user_id=self.agent_c.id)
        self.assertEqual(self._ticket().user_id, self.agent_b)

    def test_unavailable_members_get_no_ticket(self):
        self.team.unavailable_member_ids = self.agent_b | self.agent_c
        tickets = self._tickets(4, name="New")
        self.assertEqual(tickets.user_id, self.user_service_agent)

    def test_no_available_member_leaves_the_ticket_unassigned(self):
        self.team.unavailable_member_ids = self.team.member_ids
        self.assertFalse(self._ticket().user_id)

    def test_unavailable_member_must_be_a_member(self):
        with self.assertRaises(ValidationError):
            self.team.unavailable_member_ids = self.user_salesman

    def test_round_robin_cycles_through_available_members(self):
        self.team.write(
            {
                "assignment_method": "round_robin",
                "unavailable_member_ids": [Command.link(self.agent_c.id)],
            }
        )
        users = [self._ticket(name=f"RR {i}").user_id for i in range(4)]
        members = (self.user_service_agent | self.agent_b).sorted("id")
        self.assertEqual(users, [members[0], members[1], members[0], members[1]])

    def test_manual_team_does_not_assign(self):
        self.team.assignment_method = "manual"
        self.assertFalse(self._ticket().user_id)

    def test_unassigning_puts_the_ticket_back_in_the_team_pool(self):
        ticket = self._ticket()
        ticket.user_id = False
        self.assertFalse(ticket.user_id)
        self.assertIn(ticket, self.Ticket.search([("user_id", "=", False)]))

    def test_changing_team_assigns_an_unassigned_ticket(self):
        ticket = self._ticket(team_id=False)
        self.assertFalse(ticket.user_id)
        ticket.team_id = self.team
        self.assertTrue(ticket.user_id)


@tagged("post_install", "-at_install")
class TestTicketMailIntake(CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create({"name": "tickets.example.com"})
        cls.company.alias_domain_id = cls.alias_domain
        cls.team.write({"alias_name": "help", "alias_domain_id": cls.alias_domain.id})
        cls.to = "help@tickets.example.com"

    def _process(self, template, **values):
        raw = template.format(to=self.to, **values)
        return self.env["mail.thread"].message_process(False, raw)

    def test_alias_of_the_team_creates_tickets(self):
        self.assertEqual(self.team.alias_id.alias_model_id.model, "crm.standard.ticket")
        self.assertEqual(self.team.alias_email, self.to)

    def test_new_sender_gets_a_contact_and_a_ticket(self):
        ticket_id = self._process(
            RAW_NEW,
            name="Zhou Min",
            email="zhou.min@newcustomer.example.org",
            subject="Scanner broken",
            msgid="new-1@newcustomer.example.org",
            body="The scanner does not turn on.",
        )
        ticket = self.Ticket.browse(ticket_id)
        self.assertEqual(ticket.name, "Scanner broken")
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.channel, "email")
        self.assertEqual(ticket.partner_id.email, "zhou.min@newcustomer.example.org")
        self.assertEqual(ticket.partner_id.name, "Zhou Min")
        self.assertIn("scanner does not turn on", ticket.description)
        self.assertTrue(ticket.user_id, "auto-assigned")
        self.assertIn(ticket.partner_id, ticket.message_partner_ids)

    def test_known_sender_is_recognised(self):
        partners_before = self.env["res.partner"].search_count([])
        ticket_id = self._process(
            RAW_NEW,
            name="Liu Yang",
            email=self.contact.email,
            subject="Invoice question",
            msgid="known-1@huayu.example.com",
            body="Which tax rate?",
        )
        ticket = self.Ticket.browse(ticket_id)
        self.assertEqual(ticket.partner_id, self.contact)
        self.assertEqual(ticket.commercial_partner_id, self.customer)
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before)

    def test_reply_threads_onto_the_ticket(self):
        ticket_id = self._process(
            RAW_NEW,
            name="Liu Yang",
            email=self.contact.email,
            subject="VPN down",
            msgid="thread-1@huayu.example.com",
            body="The VPN is down.",
        )
        count = self.Ticket.search_count([])
        reply_id = self._process(
            RAW_REPLY,
            name="Liu Yang",
            email=self.contact.email,
            subject="VPN down",
            msgid="thread-2@huayu.example.com",
            parent="thread-1@huayu.example.com",
            body="Still down this morning.",
        )
        self.assertEqual(reply_id, ticket_id)
        self.assertEqual(self.Ticket.search_count([]), count)
        ticket = self.Ticket.browse(ticket_id)
        self.assertTrue(any("Still down" in (m.body or "") for m in ticket.message_ids))

    def test_customer_reply_reopens_a_solved_ticket(self):
        ticket_id = self._process(
            RAW_NEW,
            name="Liu Yang",
            email=self.contact.email,
            subject="Printer",
            msgid="reopen-1@huayu.example.com",
            body="Broken.",
        )
        ticket = self.Ticket.browse(ticket_id)
        ticket.stage_id = self.ticket_stage_solved
        self._process(
            RAW_REPLY,
            name="Liu Yang",
            email=self.contact.email,
            subject="Printer",
            msgid="reopen-2@huayu.example.com",
            parent="reopen-1@huayu.example.com",
            body="Broken again.",
        )
        self.assertFalse(ticket.is_closed)

    def _company_b_ticket(self, msgid):
        """A ticket of company B, created by an e-mail to its team's alias."""
        company_b = self.env["res.company"].create(
            {"name": "Company B", "alias_domain_id": self.alias_domain.id}
        )
        team_b = self.env["crm.standard.ticket.team"].create(
            {
                "name": "Support B",
                "company_id": company_b.id,
                "assignment_method": "manual",
                "alias_name": "help-b",
                "alias_domain_id": self.alias_domain.id,
            }
        )
        raw = RAW_NEW.format(
            to=team_b.alias_email,
            name="Liu Yang",
            email=self.contact.email,
            subject="Scanner",
            msgid=msgid,
            body="Broken.",
        )
        ticket = self.Ticket.browse(self.env["mail.thread"].message_process(False, raw))
        self.assertEqual(ticket.company_id, company_b)
        return ticket

    def test_alias_of_another_company_starts_tickets_in_a_stage_of_that_company(self):
        self.Stage.create({"name": "A: Inbox", "sequence": 0, "company_id": self.company.id})
        ticket = self._company_b_ticket("company-b-1@huayu.example.com")
        self.assertEqual(ticket.stage_id, self.ticket_stage_new)

    def test_customer_reply_reopens_into_a_stage_of_the_ticket_company(self):
        ticket = self._company_b_ticket("company-b-2@huayu.example.com")
        ticket.stage_id = self.ticket_stage_solved
        self.Stage.create({"name": "A: Triage", "sequence": 5, "company_id": self.company.id})
        raw = RAW_REPLY.format(
            to=ticket.team_id.alias_email,
            name="Liu Yang",
            email=self.contact.email,
            subject="Scanner",
            msgid="company-b-3@huayu.example.com",
            parent="company-b-2@huayu.example.com",
            body="Broken again.",
        )
        self.env["mail.thread"].message_process(False, raw)
        self.assertFalse(ticket.is_closed)
        self.assertEqual(ticket.stage_id, self.ticket_stage_progress)


@tagged("post_install", "-at_install")
class TestTicketSatisfaction(CrmStandardTicketCommon):
    def test_rating_request_sent_on_solve(self):
        ticket = self._ticket(user_id=self.user_service_agent.id)
        ticket.stage_id = self.ticket_stage_solved
        rating = self.env["rating.rating"].search(
            [("res_model", "=", "crm.standard.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.partner_id, self.contact)
        self.assertEqual(rating.rated_partner_id, self.user_service_agent.partner_id)
        request = ticket.message_ids.filtered(lambda m: rating.access_token in (m.body or ""))
        self.assertTrue(request, "the request carries the rating links")
        self.assertIn(f"/crm_standard/rate/{rating.access_token}/4", request[0].body)
        # the customer answers 4 out of 5 with a comment
        ticket.rating_apply(4, token=rating.access_token, feedback="Quick and friendly")
        self.assertEqual(ticket.rating_last_value, 4)
        self.assertEqual(rating.feedback, "Quick and friendly")

    def test_no_rating_request_without_customer_email(self):
        self.contact.email = False
        ticket = self._ticket()
        ticket.stage_id = self.ticket_stage_solved
        self.assertFalse(ticket.rating_ids)

    def test_feedback_request_after_the_configured_delay(self):
        self.company.crm_ticket_feedback_days = 30
        with freeze_time(datetime(2026, 10, 1, 10, 0)):
            old = self._ticket(name="Old")
            old.stage_id = self.ticket_stage_solved
        with freeze_time(datetime(2026, 10, 25, 10, 0)):
            recent = self._ticket(name="Recent")
            recent.stage_id = self.ticket_stage_solved
        with freeze_time(datetime(2026, 11, 2, 10, 0)):
            self.assertEqual(self.Ticket._cron_crm_send_feedback_requests(), 1)
            self.assertTrue(old.feedback_request_date)
            self.assertFalse(recent.feedback_request_date)
            self.assertEqual(self.Ticket._cron_crm_send_feedback_requests(), 0, "sent once only")

    def test_feedback_delay_cannot_be_negative(self):
        with self.assertRaisesRegex(ValidationError, "Feedback Request After"):
            self.company.crm_ticket_feedback_days = -1


@tagged("post_install", "-at_install")
class TestTicketComplaints(CrmStandardTicketCommon):
    def test_complaint_tickets_counted_and_hook_called(self):
        Partner = type(self.env["res.partner"])
        with patch.object(Partner, "_crm_on_complaints_changed", autospec=True) as hook:
            ticket = self._ticket(ticket_type="complaint")
            self.assertEqual(hook.call_count, 1)
            self.assertEqual(hook.call_args[0][0], self.customer)
            self.assertEqual(self.customer.crm_complaint_ticket_count, 1)
            self._ticket(ticket_type="inquiry")
            self.assertEqual(hook.call_count, 1, "inquiries do not touch the complaint tag")
            ticket.ticket_type = "inquiry"
            self.assertEqual(hook.call_count, 2)
            self.assertEqual(self.customer.crm_complaint_ticket_count, 0)
            ticket.ticket_type = "complaint"
            ticket.unlink()
            self.assertEqual(hook.call_count, 4)
        self.assertEqual(self.customer.crm_complaint_ticket_count, 0)

    def test_complaint_ticket_syncs_the_complaint_value_tag(self):
        tag = self.env.ref("crm_standard.partner_tag_complaint")
        self.assertNotIn(tag, self.customer.category_id)
        ticket = self._ticket(ticket_type="complaint")
        self.assertIn(tag, self.customer.category_id)
        ticket.ticket_type = "after_sales"
        self.assertNotIn(tag, self.customer.category_id)
        ticket.ticket_type = "complaint"
        self.assertIn(tag, self.customer.category_id)
        ticket.action_archive()
        self.assertNotIn(tag, self.customer.category_id)

    def test_customers_searchable_by_complaint_count(self):
        self._ticket(ticket_type="complaint")
        Partner = self.env["res.partner"]
        self.assertIn(self.customer, Partner.search([("crm_complaint_ticket_count", ">", 0)]))
        self.assertIn(self.contact, Partner.search([("crm_complaint_ticket_count", "=", 1)]))
        other = self._create_customer("Quiet Co")
        self.assertIn(other, Partner.search([("crm_complaint_ticket_count", "=", 0)]))
        self.assertNotIn(self.customer, Partner.search([("crm_complaint_ticket_count", "=", 0)]))

    def test_complaint_counts_since_a_date(self):
        self._ticket(ticket_type="complaint", date_received=datetime(2025, 1, 1))
        self._ticket(ticket_type="complaint")
        counts = self.customer._crm_complaint_counts(date_from=datetime(2026, 1, 1))
        self.assertEqual(counts, {self.customer.id: 1})
        self.assertEqual(self.customer._crm_complaint_counts(), {self.customer.id: 2})


@tagged("post_install", "-at_install")
class TestTicketAccess(CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.assignment_method = "manual"
        other_customer = cls._create_customer("Other Co")
        cls.mine = cls._ticket(name="Mine", user_id=cls.user_service_agent.id)
        cls.unassigned = cls._ticket(name="Unassigned")
        cls.colleague = cls._ticket(name="Colleague's", user_id=cls.agent_b.id)
        cls.other_team = cls._ticket(name="Other team", team_id=False)
        cls.other_customer = cls._ticket(
            name="Other customer", partner_id=other_customer.id, user_id=cls.agent_b.id
        )

    def _visible(self, user):
        return self.Ticket.with_user(user).search([]) & (
            self.mine | self.unassigned | self.colleague | self.other_team | self.other_customer
        )

    def _form_save(self, user, ticket, vals):
        """What the form's Save does: ``web_save``, which re-reads the record as ``user``."""
        spec = {
            "name": {},
            "user_id": {"fields": {"display_name": {}}},
            "team_id": {"fields": {"display_name": {}}},
            "stage_id": {"fields": {"display_name": {}}},
        }
        return self._as(user, ticket).web_save(vals, spec)[0]

    def test_agent_reads_team_tickets_and_writes_own_and_unassigned_only(self):
        # the colleague's tickets of the agent's team are readable (read-only),
        # the ticket without team is not
        self.assertEqual(
            self._visible(self.user_service_agent),
            self.mine | self.unassigned | self.colleague | self.other_customer,
        )
        everything = self.mine | self.unassigned | self.colleague | self.other_team
        writable = self._as(self.user_service_agent, everything)._filtered_access("write")
        self.assertEqual(writable, self.mine | self.unassigned)
        with self.assertRaises(AccessError):
            self._as(self.user_service_agent, self.colleague).write({"name": "Taken over"})
        with self.assertRaises(AccessError):
            self._as(self.user_service_agent, self.other_team).read(["name"])

    def test_agent_hands_own_ticket_to_a_colleague_in_one_form_save(self):
        values = self._form_save(self.user_service_agent, self.mine, {"user_id": self.agent_b.id})
        self.assertEqual(values["user_id"]["id"], self.agent_b.id)
        self.assertEqual(self.mine.user_id, self.agent_b)
        with self.assertRaises(AccessError):
            self._as(self.user_service_agent, self.mine).write({"name": "Still mine?"})

    def test_agent_moves_unassigned_ticket_to_another_team_of_theirs(self):
        # the other team gives it to a colleague: the agent keeps read access only
        team_2 = self.env["crm.standard.ticket.team"].create(
            {
                "name": "Second line",
                "member_ids": [Command.set((self.user_service_agent | self.agent_b).ids)],
                "unavailable_member_ids": [Command.set(self.user_service_agent.ids)],
            }
        )
        values = self._form_save(self.user_service_agent, self.unassigned, {"team_id": team_2.id})
        self.assertEqual(values["team_id"]["id"], team_2.id)
        self.assertEqual(self.unassigned.team_id, team_2)
        self.assertEqual(self.unassigned.user_id, self.agent_b)

    def test_opportunity_field_is_in_the_ticket_views_of_salespeople_only(self):
        # service agents have no access to crm.lead
        for user, shown in (
            (self.user_service_agent, False),
            (self.user_service_manager, False),
            (self.user_salesman, True),
            (self.user_sales_manager, True),
        ):
            views = self._as(user, "crm.standard.ticket").get_views(
                [(False, "form"), (False, "search")]
            )
            for view_type in ("form", "search"):
                arch = views["views"][view_type]["arch"]
                self.assertEqual('name="lead_id"' in arch, shown, (user.login, view_type))

    def test_agent_can_work_on_own_ticket(self):
        self.mine.with_user(self.user_service_agent).stage_id = self.ticket_stage_progress
        self.assertEqual(self.mine.stage_id, self.ticket_stage_progress)

    def test_agent_recording_a_ticket_handles_it(self):
        self.team.assignment_method = "fewest_open"
        ticket = self.Ticket.with_user(self.user_service_agent).create(
            {"name": "Phone call", "partner_id": self.contact.id}
        )
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.user_id, self.user_service_agent)
        self.assertEqual(ticket.stage_id, self.ticket_stage_new)

    def test_agent_solving_own_ticket_sends_the_rating_request(self):
        self.mine.with_user(self.user_service_agent).stage_id = self.ticket_stage_solved
        self.assertEqual(len(self.mine.rating_ids), 1)
        self.assertTrue(self.mine.solve_date)

    def test_service_manager_sees_everything(self):
        self.assertEqual(len(self._visible(self.user_service_manager)), 5)

    def test_salesman_reads_own_customers_tickets_only(self):
        visible = self._visible(self.user_salesman)
        self.assertEqual(visible, (self.mine | self.unassigned | self.colleague | self.other_team))
        with self.assertRaises(AccessError):
            self.mine.with_user(self.user_salesman).write({"name": "Changed"})

    def test_salesman_sees_ticket_count_on_customer(self):
        self.assertEqual(self.customer.with_user(self.user_salesman).crm_ticket_count, 4)

    def test_other_company_sees_nothing(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = new_test_user(
            self.env,
            login="crm_manager_b",
            name="Bo Manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
            groups="crm_standard.group_crm_standard_service_manager",
        )
        self.assertFalse(self._visible(user_b))

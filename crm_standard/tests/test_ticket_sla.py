from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CrmStandardCommon, TwoConnectionsCase
from .test_tickets import CrmStandardTicketCommon

# Friday 20 November 2026, 15:00 UTC
FRIDAY_3PM = datetime(2026, 11, 20, 15, 0)


@tagged("post_install", "-at_install")
class TestTicketSla(CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sla = cls._team_sla()

    def test_default_policy_gives_24_hour_response(self):
        ticket = self._ticket(team_id=False, date_received=FRIDAY_3PM)
        self.assertEqual(ticket.sla_id.response_hours, 24)
        self.assertEqual(ticket.response_deadline, FRIDAY_3PM + timedelta(hours=24))

    def test_most_specific_policy_wins(self):
        complaint = self.env["crm.standard.ticket.sla"].create(
            {
                "name": "Team complaints",
                "team_id": self.team.id,
                "ticket_type": "complaint",
                "sequence": 90,
                "response_hours": 2,
                "resolution_hours": 8,
            }
        )
        self.assertEqual(self._ticket(ticket_type="complaint").sla_id, complaint)
        self.assertEqual(self._ticket(ticket_type="inquiry").sla_id, self.sla)

    def test_wall_clock_deadlines_without_calendar(self):
        ticket = self._ticket(date_received=FRIDAY_3PM)
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 20, 19, 0))
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 21, 15, 0))

    def test_working_hour_deadlines_skip_the_weekend(self):
        self.team.resource_calendar_id = self._calendar_8_to_5()
        ticket = self._ticket(date_received=FRIDAY_3PM)
        # Friday 15-17 (2h), then Monday 8-10 (2h)
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 10, 0))
        # 2h Fri + 8h Mon + 8h Tue + 6h Wed (8-12, 13-15)
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 25, 15, 0))

    def test_first_response_hours_count_working_time(self):
        self.team.resource_calendar_id = self._calendar_8_to_5()
        ticket = self._ticket(date_received=FRIDAY_3PM)
        with freeze_time(datetime(2026, 11, 23, 9, 0)):
            ticket.stage_id = self.ticket_stage_progress
            self.assertEqual(ticket.first_response_hours, 3.0)
            self.assertEqual(ticket.sla_status, "on_track")

    def test_sla_validation_names_the_rule(self):
        with self.assertRaisesRegex(ValidationError, "cannot exceed"):
            self.sla.response_hours = 30

    def test_status_on_track_at_risk_breached(self):
        with freeze_time(FRIDAY_3PM):
            ticket = self._ticket(date_received=FRIDAY_3PM)
            self.assertEqual(ticket.sla_status, "on_track")
        Ticket = self.Ticket
        with freeze_time(datetime(2026, 11, 20, 16, 0)):
            Ticket._crm_refresh_sla_status()
            self.assertEqual(ticket.sla_status, "on_track")
        with freeze_time(datetime(2026, 11, 20, 18, 30)):  # 30 min of 4 h left
            Ticket._crm_refresh_sla_status()
            self.assertEqual(ticket.sla_status, "at_risk")
        with freeze_time(datetime(2026, 11, 20, 20, 0)):
            Ticket._crm_refresh_sla_status()
            self.assertEqual(ticket.sla_status, "breached")
            self.assertEqual(
                Ticket.search_count([("sla_status", "=", "breached"), ("id", "=", ticket.id)]), 1
            )
            self.assertEqual(ticket.sla_compliance, 0.0)

    def test_late_first_response_stays_breached(self):
        ticket = self._ticket(date_received=FRIDAY_3PM)
        with freeze_time(datetime(2026, 11, 20, 21, 0)):
            ticket.stage_id = self.ticket_stage_progress
        self.assertEqual(ticket.sla_status, "breached")

    def test_sla_policy_of_another_company_is_refused(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        sla_b = self.env["crm.standard.ticket.sla"].create(
            {"name": "Company B: 1h / 2h", "company_id": company_b.id}
        )
        ticket = self._ticket()
        with self.assertRaises(UserError):
            ticket.sla_id = sla_b
        self.assertEqual(ticket.sla_id, self.sla)
        domain = self.Ticket.fields_get(["sla_id"])["sla_id"]["domain"]
        self.assertIn("company_id", str(domain), "the form offers the policies of the company")

    def _solved_on_time(self):
        """A ticket received Friday 15:00, solved Friday 16:00 (on time)."""
        with freeze_time(FRIDAY_3PM):
            ticket = self._ticket(date_received=FRIDAY_3PM)
        with freeze_time(datetime(2026, 11, 20, 16, 0)):
            ticket.stage_id = self.ticket_stage_solved
            self.assertEqual(ticket.sla_status, "on_track")
        return ticket

    def test_tightening_a_policy_keeps_the_deadlines_and_status_of_solved_tickets(self):
        solved = self._solved_on_time()
        deadlines = (solved.response_deadline, solved.resolution_deadline)
        with freeze_time(FRIDAY_3PM):
            pending = self._ticket(name="Still open", date_received=FRIDAY_3PM)
        self.sla.write({"response_hours": 0.5, "resolution_hours": 0.5})
        self.env.invalidate_all()  # values as stored
        self.assertEqual((solved.response_deadline, solved.resolution_deadline), deadlines)
        self.assertEqual(solved.sla_status, "on_track")
        self.assertEqual(solved.sla_compliance, 100.0)
        self.assertEqual(pending.response_deadline, FRIDAY_3PM + timedelta(minutes=30))

    def test_editing_a_solved_ticket_keeps_its_deadlines(self):
        solved = self._solved_on_time()
        deadlines = (solved.response_deadline, solved.resolution_deadline)
        urgent = self.env["crm.standard.ticket.sla"].create(
            {
                "name": "Urgent: 0.5h / 0.5h",
                "team_id": self.team.id,
                "priority": "3",
                "response_hours": 0.5,
                "resolution_hours": 0.5,
            }
        )
        with Form(solved) as form:
            form.priority = "3"
        self.assertEqual(solved.sla_id, urgent)
        self.env.invalidate_all()
        self.assertEqual((solved.response_deadline, solved.resolution_deadline), deadlines)
        self.assertEqual(solved.sla_status, "on_track")

    def test_ticket_recorded_as_solved_gets_its_deadlines(self):
        with freeze_time(FRIDAY_3PM):
            ticket = self._ticket(stage_id=self.ticket_stage_solved.id)
            self.env.invalidate_all()
            self.assertEqual(ticket.solve_date, FRIDAY_3PM)
            self.assertEqual(ticket.response_deadline, datetime(2026, 11, 20, 19, 0))
            self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 21, 15, 0))
            self.assertEqual(ticket.sla_status, "on_track")

    def test_reopened_ticket_gets_a_fresh_resolution_window(self):
        ticket = self._solved_on_time()
        # Sunday 10:00, after the resolution deadline (Saturday 15:00)
        reopened_at = datetime(2026, 11, 22, 10, 0)
        with freeze_time(reopened_at):
            ticket.stage_id = self.ticket_stage_progress
            self.assertFalse(ticket.solve_date)
            self.assertEqual(ticket.reopen_date, reopened_at)
            self.assertEqual(ticket.resolution_deadline, reopened_at + timedelta(hours=24))
            self.assertEqual(ticket.response_deadline, datetime(2026, 11, 20, 19, 0))
            self.assertEqual(ticket.sla_status, "on_track")
        with freeze_time(datetime(2026, 11, 23, 11, 0)):  # Monday, after the new deadline
            self.Ticket._crm_refresh_sla_status()
            self.assertEqual(ticket.sla_status, "breached")

    def test_at_risk_counts_the_working_hours_left(self):
        self.team.resource_calendar_id = self._calendar_8_to_5()
        with freeze_time(FRIDAY_3PM):
            ticket = self._ticket(date_received=FRIDAY_3PM)
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 10, 0))
        # Sunday 20:00: 14 clock hours left, but 2 working hours of 4
        with freeze_time(datetime(2026, 11, 22, 20, 0)):
            self.Ticket._crm_refresh_sla_status()
            self.assertEqual(ticket.sla_status, "on_track")
        # Monday 9:15: 45 working minutes left, less than 25% of 4 hours
        with freeze_time(datetime(2026, 11, 23, 9, 15)):
            self.Ticket._crm_refresh_sla_status()
            self.assertEqual(ticket.sla_status, "at_risk")


@tagged("post_install", "-at_install")
class TestTicketSlaDemo(CrmStandardCommon):
    def test_demo_tickets_list_shows_on_track_at_risk_and_breached(self):
        demo = [
            self.env.ref(f"crm_standard.ticket_demo_{name}", raise_if_not_found=False)
            for name in ("huaxin_printer", "huaxin_spare_parts", "jinhe_complaint")
        ]
        if not all(demo):
            self.skipTest("demo data not loaded")
        # the statuses as the SLA scheduled action leaves them now
        self.env["crm.standard.ticket"]._crm_refresh_sla_status()
        self.env.invalidate_all()
        rows = (
            self.env["crm.standard.ticket"]
            .with_user(self.user_service_manager)
            .web_search_read([("id", "in", [t.id for t in demo])], {"sla_status": {}})
        )["records"]
        self.assertEqual(
            {row["id"]: row["sla_status"] for row in rows},
            {
                demo[0].id: "on_track",
                demo[1].id: "at_risk",
                demo[2].id: "breached",
            },
        )


@tagged("post_install", "-at_install")
class TestTicketFirstResponse(CrmStandardTicketCommon):
    def test_customer_message_and_internal_note_are_not_a_response(self):
        ticket = self._ticket(user_id=self.user_service_agent.id)
        ticket.message_post(
            body="Any news?",
            author_id=self.contact.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        ticket.with_user(self.user_service_agent).message_post(
            body="Checking logs", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.assertFalse(ticket.first_response_date)

    def test_employee_message_to_customer_is_the_first_response(self):
        ticket = self._ticket(user_id=self.user_service_agent.id)
        message = ticket.with_user(self.user_service_agent).message_post(
            body="We are on it.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.contact.ids,
        )
        self.assertEqual(ticket.first_response_date, message.date)
        first = ticket.first_response_date
        ticket.with_user(self.user_service_agent).message_post(
            body="Fixed.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertEqual(ticket.first_response_date, first, "only the first one counts")

    def test_leaving_the_first_stage_is_a_response(self):
        ticket = self._ticket()
        self.assertEqual(ticket.stage_id, self.ticket_stage_new)
        ticket.stage_id = self.ticket_stage_progress
        self.assertTrue(ticket.first_response_date)

    def test_moving_between_later_stages_is_not_a_response(self):
        ticket = self._ticket(stage_id=self.ticket_stage_progress.id)
        ticket.stage_id = self.env.ref("crm_standard.ticket_stage_waiting")
        self.assertFalse(ticket.first_response_date)


@tagged("post_install", "-at_install")
class TestTicketEscalation(CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_2 = cls.env["crm.standard.ticket.team"].create(
            {
                "name": "Second line",
                "leader_id": cls.user_service_manager.id,
                "member_ids": [Command.link(cls.agent_c.id)],
            }
        )
        cls.env["crm.standard.ticket.sla"].create(
            {
                "name": "Fast",
                "sequence": 1,
                "response_hours": 1,
                "resolution_hours": 2,
            }
        )
        # the demo data's overdue tickets are not part of these tests
        cls.env["crm.standard.ticket"]._cron_crm_sla_escalation()

    def _breached(self, count, team=None):
        tickets = self.Ticket.create(
            [
                {
                    "name": f"Late {i}",
                    "partner_id": self.contact.id,
                    "team_id": (team or self.team).id,
                    "priority": "1",
                    "date_received": datetime.now() - timedelta(hours=5),
                }
                for i in range(count)
            ]
        )
        self.assertEqual(set(tickets.mapped("sla_status")), {"breached"})
        return tickets

    def _digests(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.standard.ticket.team"),
                ("message_type", "=", "user_notification"),
                ("partner_ids", "in", self.user_service_manager.partner_id.ids),
            ]
        )

    def test_escalation_raises_priority_once_and_sends_one_digest(self):
        tickets = self._breached(2) | self._breached(1, self.team_2)
        self.Ticket._cron_crm_sla_escalation()
        self.assertEqual(set(tickets.mapped("priority")), {"2"})
        self.assertTrue(all(tickets.mapped("escalated")))
        digests = self._digests()
        self.assertEqual(len(digests), 1, "one digest per leader per run, across teams")
        for ticket in tickets:
            self.assertIn(ticket.number, digests.body)
        # idempotent: a second run changes nothing and sends nothing
        self.Ticket._cron_crm_sla_escalation()
        self.assertEqual(set(tickets.mapped("priority")), {"2"})
        self.assertEqual(len(self._digests()), 1)

    def test_escalation_keeps_the_breached_deadlines(self):
        ticket = self._breached(1)
        deadline = ticket.resolution_deadline
        self.Ticket._cron_crm_sla_escalation()
        self.assertEqual(ticket.resolution_deadline, deadline)
        self.assertEqual(ticket.sla_status, "breached")

    def test_escalation_works_in_small_batches(self):
        tickets = self._breached(5)
        done = self.Ticket._cron_crm_sla_escalation(batch_size=2, max_batches=2)
        self.assertEqual(done, 4)
        self.assertEqual(len(tickets.filtered("escalated")), 4)
        self.assertEqual(self.Ticket._cron_crm_sla_escalation(batch_size=2), 1)
        self.assertTrue(all(tickets.mapped("escalated")))

    def test_urgent_tickets_stay_urgent(self):
        ticket = self._breached(1)
        ticket.priority = "3"
        self.Ticket._cron_crm_sla_escalation()
        self.assertEqual(ticket.priority, "3")
        self.assertTrue(ticket.escalated)

    def test_escalation_batch_query_count_does_not_grow(self):
        warm_up, small, large = self._breached(1), self._breached(3), self._breached(12)
        warm_up._crm_escalate()
        for batch in (small, large):
            self.env.flush_all()
            self.env.cr.flush()  # pending tracking of the creation is not part of the batch
            self.env.invalidate_all()
            with self.assertQueryCount(ESCALATION_BATCH_QUERIES):
                self.Ticket.browse(batch.ids)._crm_escalate()
        self.assertTrue(all((small | large).mapped("escalated")))

    def test_status_refresh_query_count_does_not_grow(self):
        warm_up, small, large = (self._ticket_batch(n) for n in (1, 3, 12))
        warm_up._crm_refresh_batch()
        for batch in (small, large):
            self.env.flush_all()
            self.env.cr.flush()
            self.env.invalidate_all()
            with self.assertQueryCount(REFRESH_QUERIES):
                self.Ticket.browse(batch.ids)._crm_refresh_batch()
        self.assertEqual(set((small | large).mapped("sla_status")), {"breached"})
        self.assertEqual(set((small | large).mapped("sla_compliance")), {0.0})

    def test_status_refresh_in_working_hours_query_count_does_not_grow(self):
        # at risk is counted in the team's working hours: once per calendar, not per ticket
        self.team.resource_calendar_id = self._calendar_8_to_5()
        with freeze_time(FRIDAY_3PM):
            warm_up, small, large = (
                self._tickets(n, name="Pending", date_received=FRIDAY_3PM) for n in (1, 3, 12)
            )
        with freeze_time(datetime(2026, 11, 20, 15, 50)):  # 10 working minutes of 1 h left
            warm_up._crm_refresh_batch()
            for batch in (small, large):
                self.env.flush_all()
                self.env.cr.flush()
                self.env.invalidate_all()
                with self.assertQueryCount(REFRESH_WORKING_HOURS_QUERIES):
                    self.Ticket.browse(batch.ids)._crm_refresh_batch()
        self.assertEqual(set((small | large).mapped("sla_status")), {"at_risk"})

    def _ticket_batch(self, count):
        with freeze_time(datetime.now() - timedelta(hours=10)):
            tickets = self._tickets(count, name="Pending")
            self.assertEqual(set(tickets.mapped("sla_status")), {"on_track"})
        return tickets


# read tickets, users, partners, companies, teams, SLA policies; insert the
# chatter logs; one multi-row UPDATE: whatever the batch size
ESCALATION_BATCH_QUERIES = 8
# read tickets and SLA policies, one multi-row UPDATE
REFRESH_QUERIES = 3
# the same, plus teams, their calendar, its attendances and leaves
REFRESH_WORKING_HOURS_QUERIES = 7


class TestTicketEscalationConcurrency(TwoConnectionsCase):
    """Two cron workers on two real connections: each breached ticket is
    escalated by exactly one of them, and the second never waits on the first."""

    def setUp(self):
        super().setUp()
        with self._committed_env({"tracking_disable": True}) as env:
            partner = env["res.partner"].create(
                {"name": "Concurrent Ticket Customer", "email": "concurrent@example.com"}
            )
            # received three days ago: past the default 24 h response deadline
            tickets = env["crm.standard.ticket"].create(
                [
                    {
                        "name": f"Concurrent {i}",
                        "partner_id": partner.id,
                        "priority": "1",
                        "date_received": datetime.now() - timedelta(days=3),
                    }
                    for i in range(3)
                ]
            )
            self.ticket_ids, self.partner_id = tickets.ids, partner.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._committed_env() as env:
            env["crm.standard.ticket"].browse(self.ticket_ids).unlink()
            env["res.partner"].browse(self.partner_id).unlink()

    def _escalated(self, env):
        env.invalidate_all()
        tickets = env["crm.standard.ticket"].browse(self.ticket_ids)
        return set(tickets.filtered("escalated").ids)

    def test_two_workers_escalate_each_ticket_once_without_waiting(self):
        with self._two_workers(lock_timeout="2s") as (env1, env2):
            # worker 1 escalates and holds its rows (no commit yet)
            env1["crm.standard.ticket"]._cron_crm_sla_escalation()
            self.assertEqual(self._escalated(env1), set(self.ticket_ids))
            # worker 2 runs meanwhile: it must neither wait nor escalate again
            env2["crm.standard.ticket"]._cron_crm_sla_escalation()
            self.assertFalse(self._escalated(env2), "worker 2 left worker 1's tickets alone")
            env2.cr.rollback()
            env1.cr.rollback()

    def test_worker_with_an_older_snapshot_escalates_nothing_twice(self):
        with self._two_workers() as (env1, env2):
            env2.cr.execute("SELECT 1 FROM crm_standard_ticket LIMIT 1")  # worker 2's snapshot
            env1["crm.standard.ticket"]._cron_crm_sla_escalation()
            env1.cr.commit()
            # worker 2 still sees the tickets as not escalated
            env2["crm.standard.ticket"]._cron_crm_sla_escalation()
            env2.cr.commit()
        with self._committed_env() as env:
            self.assertEqual(self._escalated(env), set(self.ticket_ids))
            messages = env["mail.message"].search_count(
                [
                    ("model", "=", "crm.standard.ticket"),
                    ("res_id", "in", self.ticket_ids),
                    ("body", "ilike", "SLA breached"),
                ]
            )
            self.assertEqual(messages, 3, "one escalation note per ticket")

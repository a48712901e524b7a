"""Escalation fallback and feedback retries (the suspicions of the
own-customers notes), proved by tests: a ticket is never marked escalated
without its priority raised and its note posted; a feedback form that keeps
failing is retried at most 3 runs, then shows the error and is skipped."""

from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from . import test_tickets

TICKET_MODULE = "odoo.addons.crm_standard.models.crm_standard_ticket"


@tagged("post_install", "-at_install")
class TestTicketRetries(test_tickets.CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.standard.ticket.sla"].create(
            {"name": "Fast", "sequence": 1, "response_hours": 1, "resolution_hours": 2}
        )
        # the demo data's overdue tickets are not part of these tests
        cls.env["crm.standard.ticket"]._cron_crm_sla_escalation()

    _breached = test_tickets.TestTicketEscalation._breached

    def _failing_for(self, method, bad):
        """Patch ``method`` of the ticket model to fail when ``bad`` is in self."""
        Ticket = type(self.env["crm.standard.ticket"])
        original = getattr(Ticket, method)

        def failing(records, *args, **kwargs):
            if bad & records:
                raise ValueError("mail server down")
            return original(records, *args, **kwargs)

        return patch.object(Ticket, method, failing)

    def test_a_ticket_whose_escalation_fails_is_not_marked_escalated(self):
        good, bad = self._breached(2)
        with self._failing_for("_message_log_batch", bad), mute_logger(TICKET_MODULE):
            self.Ticket._cron_crm_sla_escalation()
        self.env.invalidate_all()
        self.assertTrue(good.escalated)
        self.assertEqual(good.priority, "2")
        self.assertIn("SLA breached", good.message_ids[0].body)
        self.assertFalse(bad.escalated, "never escalated without its priority and its note")
        self.assertEqual(bad.priority, "1")
        self.assertIn("mail server down", bad.escalation_error)
        # the next run retries it, and clears the error
        self.Ticket._cron_crm_sla_escalation()
        self.env.invalidate_all()
        self.assertTrue(bad.escalated)
        self.assertEqual(bad.priority, "2")
        self.assertFalse(bad.escalation_error)

    def test_a_failing_escalation_does_not_block_the_run(self):
        tickets = self._breached(5)
        bad = tickets[0]
        with self._failing_for("_message_log_batch", bad), mute_logger(TICKET_MODULE):
            done = self.Ticket._cron_crm_sla_escalation(batch_size=2)
        self.assertEqual(done, 4)
        self.assertTrue(all((tickets - bad).mapped("escalated")))

    def test_feedback_form_failing_is_retried_three_runs_then_skipped(self):
        self.company.crm_ticket_feedback_days = 30
        with freeze_time(datetime(2026, 10, 1, 10, 0)):
            bad = self._ticket(name="Feedback fails")
            good = self._ticket(name="Feedback works")
            (bad | good).stage_id = self.ticket_stage_solved
        with (
            freeze_time(datetime(2026, 11, 2, 10, 0)),
            self._failing_for("_crm_send_rating_request", bad),
            mute_logger(TICKET_MODULE),
        ):
            self.assertEqual(self.Ticket._cron_crm_send_feedback_requests(), 1)
            self.assertTrue(good.feedback_request_date)
            for attempt in (2, 3):
                self.Ticket._cron_crm_send_feedback_requests()
                self.assertEqual(bad.feedback_attempts, attempt)
            self.assertFalse(bad.feedback_request_date)
            self.assertIn("attempt 3 of 3, no more retries", bad.feedback_error)
            self.assertIn("mail server down", bad.feedback_error)
            # skipped from now on
            self.assertEqual(self.Ticket._cron_crm_send_feedback_requests(), 0)
            self.assertEqual(bad.feedback_attempts, 3)

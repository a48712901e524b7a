"""Service tracking and priority (issue 23, steps 4 and 6): the biweekly
progress report e-mail, SLA policies by customer grade, at-risk customers."""

from datetime import date

from odoo.tests import freeze_time, tagged

from odoo.addons.crm_standard.models.crm_standard_progress_report import period_start

from .common import CrmStandardCommon
from .test_tickets import CrmStandardTicketCommon


@tagged("post_install", "-at_install")
class TestProgressReports(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env["crm.standard.progress.report"]
        cls.in_service = cls._create_customer("In Service Co", user_id=cls.user_salesman.id)
        cls.in_service._crm_start_service(False)
        cls.not_in_service = cls._create_customer("Prospect Co", user_id=cls.user_salesman.id)

    def _mails(self, partner):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("subject", "ilike", "service progress report"),
            ]
        )

    def test_periods_are_two_weeks_from_a_monday(self):
        self.assertEqual(period_start(date(2027, 1, 4)), date(2026, 12, 28))
        self.assertEqual(period_start(date(2027, 1, 10)), date(2026, 12, 28))
        self.assertEqual(period_start(date(2027, 1, 11)), date(2027, 1, 11))

    def test_one_report_per_period_for_customers_in_service(self):
        with freeze_time("2027-01-04 08:00"):
            self.assertEqual(self.Report._cron_crm_send_progress_reports(), 1)
            self.assertEqual(self.Report._cron_crm_send_progress_reports(), 0)
        with freeze_time("2027-01-10 08:00"):
            self.assertEqual(self.Report._cron_crm_send_progress_reports(), 0, "same period")
        self.assertEqual(len(self._mails(self.in_service)), 1)
        self.assertFalse(self._mails(self.not_in_service))
        log = self.in_service.crm_progress_report_ids
        self.assertEqual((log.period_start, log.state), (date(2026, 12, 28), "sent"))
        self.assertEqual(log.recipient_id, self.in_service)
        with freeze_time("2027-01-11 08:00"):
            self.assertEqual(self.Report._cron_crm_send_progress_reports(), 1, "next period")
        self.assertEqual(len(self.in_service.crm_progress_report_ids), 2)
        mail = self._mails(self.in_service)[0]
        self.assertIn("Open tickets", mail.body_html)
        self.assertIn(self.in_service, mail.recipient_ids)

    def test_opted_out_customer_gets_no_report(self):
        self.in_service.crm_progress_report_opt_out = True
        self.assertEqual(self.Report._cron_crm_send_progress_reports(), 0)
        self.assertFalse(self._mails(self.in_service))

    def test_customer_without_an_email_is_logged_as_failed_and_the_others_are_sent(self):
        no_email = self._create_customer("No Mail Co", email=False)
        no_email._crm_start_service(False)
        self.assertEqual(self.Report._cron_crm_send_progress_reports(), 1)
        failed = no_email.crm_progress_report_ids
        self.assertEqual(failed.state, "failed")
        self.assertIn("e-mail", failed.error)
        self.assertEqual(self.in_service.crm_progress_report_ids.state, "sent")
        # not retried in the same period
        self.assertEqual(self.Report._cron_crm_send_progress_reports(), 0)

    def test_a_period_claimed_by_another_worker_is_not_sent_again(self):
        start = period_start(date.today())
        claimed = self.Report._crm_claim(self.in_service, start)
        self.assertEqual(claimed, self.in_service)
        self.assertFalse(self.Report._crm_claim(self.in_service, start))
        self.env.invalidate_all()
        self.assertEqual(self.Report._cron_crm_send_progress_reports(), 0)


@tagged("post_install", "-at_install")
class TestSlaByGrade(CrmStandardTicketCommon):
    def test_s_customer_ticket_gets_a_4_hour_response_by_default(self):
        policy = self.env.ref("crm_standard.ticket_sla_grade_s")
        self.assertEqual(policy.response_hours, 4)
        self.customer.write({"customer_grade": "S"})
        ticket = self._ticket()
        self.assertEqual(ticket.sla_id, policy)
        # an S customer's complaint keeps the 4 h policy (before the 8 h one)
        self.assertEqual(self._ticket(ticket_type="complaint").sla_id, policy)

    def test_other_grades_keep_the_standard_policies(self):
        self.customer.write({"customer_grade": "B"})
        ticket = self._ticket()
        self.assertEqual(ticket.sla_id, self.env.ref("crm_standard.ticket_sla_default"))
        # the grade changes: the policy follows
        self.customer.write({"customer_grade": "S"})
        self.assertEqual(ticket.sla_id, self.env.ref("crm_standard.ticket_sla_grade_s"))

    def test_at_risk_flag_reads_the_health_band_only_when_it_exists(self):
        ticket = self._ticket()
        has_health = "crm_health_band" in self.env["res.partner"]._fields
        if has_health:
            self.customer.crm_health_band = "at_risk"
        self.assertEqual(ticket.crm_customer_at_risk, has_health)

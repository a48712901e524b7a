from datetime import date, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Periods of two weeks counted from a Monday: the same for every worker and every run.
PERIOD_ANCHOR = date(2024, 1, 1)
PERIOD_DAYS = 14


def period_start(day):
    """First day of the two-week period of ``day``."""
    return PERIOD_ANCHOR + timedelta(days=(day - PERIOD_ANCHOR).days // PERIOD_DAYS * PERIOD_DAYS)


class CrmStandardProgressReport(models.Model):
    """The log of the biweekly service progress reports: one per customer and period."""

    _name = "crm.standard.progress.report"
    _inherit = ["crm.standard.mail.log.mixin"]
    _description = "Service Progress Report"
    _order = "period_start desc, id desc"
    _rec_name = "partner_id"

    period_start = fields.Date(required=True)

    _sql_constraints = [
        (
            "partner_period_unique",
            "UNIQUE(partner_id, period_start)",
            "A customer gets one progress report per period.",
        )
    ]

    @api.model
    def _crm_report_domain(self, start):
        return [
            ("crm_service_state", "=", "in_service"),
            ("crm_progress_report_opt_out", "=", False),
            ("is_company", "=", True),
        ]

    @api.model
    def _crm_claim(self, partners, start):
        """Insert the period's log rows; returns the partners this run claimed.

        ON CONFLICT DO NOTHING: a partner already reported in the period (by an
        earlier run or by another worker at the same time) is not claimed again.
        """
        if not partners:
            return partners
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_standard_progress_report
                       (partner_id, company_id, period_start, state, create_uid, create_date,
                        write_uid, write_date)
                SELECT p.id, p.company_id, %(start)s, 'sent', %(uid)s, now() at time zone 'UTC',
                       %(uid)s, now() at time zone 'UTC'
                  FROM res_partner p WHERE p.id IN %(ids)s
                ON CONFLICT (partner_id, period_start) DO NOTHING
                RETURNING partner_id""",
                start=start,
                uid=self.env.uid,
                ids=tuple(partners.ids),
            )
        )
        return partners.browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _cron_crm_send_progress_reports(self, batch_size=200):
        template = self.env.ref(
            "crm_standard.mail_template_service_progress_report", raise_if_not_found=False
        )
        if not template:
            return 0
        start = period_start(fields.Date.context_today(self))
        Partner = self.env["res.partner"].sudo()
        reported = self.sudo().search([("period_start", "=", start)]).partner_id
        todo = Partner.search(self._crm_report_domain(start)) - reported
        batch = self._crm_claim(todo[:batch_size], start)
        self.env.invalidate_all()
        logs = {
            log.partner_id.id: log
            for log in self.sudo().search(
                [("period_start", "=", start), ("partner_id", "in", batch.ids)]
            )
        }
        done = sum(logs[partner.id]._crm_send_logged(template) for partner in batch)
        self.env["ir.cron"]._notify_progress(done=done, remaining=max(len(todo) - len(batch), 0))
        return done

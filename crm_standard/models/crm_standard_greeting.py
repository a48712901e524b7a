import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.sql import CONCURRENCY_ERRORS

_logger = logging.getLogger(__name__)

# first key of the advisory lock a greeting run holds per company (second: the company id)
GREETING_LOCK = 0x47524554  # "GRET"


class CrmStandardGreeting(models.Model):
    """The log of the greeting e-mails: one per customer, occasion and day, inserted
    before sending so that a second run or a second worker never sends it again."""

    _name = "crm.standard.greeting"
    _inherit = ["crm.standard.mail.log.mixin"]
    _description = "Greeting E-mail"
    _order = "date desc, id desc"
    _rec_name = "occasion_name"

    occasion = fields.Char(required=True, help="holiday:<id> or founding")
    occasion_name = fields.Char("Occasion")
    holiday_id = fields.Many2one("crm.standard.holiday", ondelete="set null")
    date = fields.Date("Occasion Date", required=True)
    template_id = fields.Many2one("mail.template", ondelete="set null")

    _sql_constraints = [
        (
            "partner_occasion_unique",
            "UNIQUE(partner_id, occasion, date)",
            "A customer gets one greeting e-mail per occasion.",
        )
    ]

    @api.model
    def _crm_lock_company(self, company):
        """True when this transaction may send the company's greetings now; False
        while another worker is at it (it skips, never waits)."""
        self.env.cr.execute(
            SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", GREETING_LOCK, company.id)
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _crm_claim(self, company, day, occasions):
        """Insert the log rows of ``occasions`` (dicts of partner_id, occasion,
        occasion_name, holiday_id, template_id); returns the rows this run claimed.

        ON CONFLICT DO NOTHING: an occasion already greeted (by an earlier run)
        is not claimed again. Nothing is claimed when another worker claimed them
        after this transaction's snapshot (REPEATABLE READ: the conflict with a
        row it cannot see is a serialization failure, a cron error): left to it."""
        if not occasions:
            return self
        columns = ("partner_id", "occasion", "occasion_name", "holiday_id", "template_id")
        query = SQL(
            """
                INSERT INTO crm_standard_greeting
                       (partner_id, occasion, occasion_name, holiday_id, template_id,
                        company_id, date, state, create_uid, create_date, write_uid, write_date)
                SELECT o.partner_id, o.occasion, o.occasion_name, o.holiday_id, o.template_id,
                       %(company)s, %(day)s, 'sent', %(uid)s, now() at time zone 'UTC',
                       %(uid)s, now() at time zone 'UTC'
                  FROM unnest(%(partner_id)s::int[], %(occasion)s::varchar[],
                              %(occasion_name)s::varchar[], %(holiday_id)s::int[],
                              %(template_id)s::int[])
                       AS o(partner_id, occasion, occasion_name, holiday_id, template_id)
                ON CONFLICT (partner_id, occasion, date) DO NOTHING
                RETURNING id""",
            company=company.id,
            day=day,
            uid=self.env.uid,
            **{column: [o[column] or None for o in occasions] for column in columns},
        )
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query)
                return self.browse(row[0] for row in self.env.cr.fetchall())
        except CONCURRENCY_ERRORS:
            _logger.info("crm_standard: greetings of %s sent by another worker", company.name)
            return self.browse()

    @api.model
    def _crm_send(self, company, day, occasions):
        """Send the greeting e-mails of ``occasions`` once; a failure (no e-mail
        address, template error) is logged on its row and the others are sent."""
        if not occasions or not self._crm_lock_company(company):
            return 0
        logs = self._crm_claim(company, day, occasions)
        self.env.invalidate_all()
        done = 0
        for log in logs:
            lang = log.partner_id._crm_progress_report_recipient().lang or log.partner_id.lang
            occasion = (
                log.holiday_id.with_context(lang=lang).name
                if log.holiday_id
                else log.with_context(lang=lang).env._("our partnership anniversary")
            )
            done += log._crm_send_logged(log.template_id, crm_greeting_occasion=occasion)
        return done

from odoo import api, fields, models

SERVICE_STATES = [
    ("none", "Not in Service"),
    ("in_service", "In Service"),
    ("ended", "Service Ended"),
]


class ResPartner(models.Model):
    """The customer in service (服务中): from an accepted proposal to the end of its delivery."""

    _inherit = "res.partner"

    crm_service_state = fields.Selection(
        SERVICE_STATES,
        "Service Status",
        default="none",
        required=True,
        copy=False,
        tracking=True,
        index=True,
    )
    crm_service_date_end = fields.Date(
        "Service Ends On",
        copy=False,
        help="End of the delivery period of the accepted proposal; the daily "
        "scheduled action ends the service after this date.",
    )
    crm_service_proposal_ids = fields.One2many(
        "crm.standard.service.proposal", "partner_id", "Service Proposals"
    )

    crm_greeting_opt_out = fields.Boolean(
        "No Greetings", help="No greeting reminders nor greeting e-mails for this customer."
    )
    crm_greeting_ids = fields.One2many("crm.standard.greeting", "partner_id", "Greeting E-mails")
    crm_progress_report_opt_out = fields.Boolean(
        "No Progress Reports",
        help="The customer does not get the biweekly service progress report e-mail.",
    )
    crm_progress_report_ids = fields.One2many(
        "crm.standard.progress.report", "partner_id", "Progress Reports"
    )

    # -- the biweekly progress report (read by its mail template) ------------
    def _crm_progress_report_recipient(self):
        """The contact who gets the report: the customer if it has an e-mail, else
        its first contact with one."""
        self.ensure_one()
        if self.email:
            return self
        return self.child_ids.filtered("email")[:1]

    def _crm_progress_done_messages(self, days=14):
        """Activities done on the customer in the last ``days`` days."""
        since = fields.Datetime.subtract(fields.Datetime.now(), days=days)
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", self.id),
                    ("mail_activity_type_id", "!=", False),
                    ("date", ">=", since),
                ],
                limit=20,
            )
        )

    def _crm_progress_open_tickets(self):
        return (
            self.env["crm.standard.ticket"]
            .sudo()
            .search([("commercial_partner_id", "=", self.id), ("is_closed", "=", False)])
        )

    def _crm_start_service(self, date_end):
        self.sudo().write({"crm_service_state": "in_service", "crm_service_date_end": date_end})

    @api.model
    def _crm_protected_fields(self):
        # set by the portal acceptance, the End Service button and the daily action
        return {**super()._crm_protected_fields(), "crm_service_state": None}

    def action_crm_end_service(self):
        self.check_access("write")
        self.sudo().write({"crm_service_state": "ended"})

    @api.model
    def _cron_crm_end_services(self):
        """Ends the service of customers whose delivery period is over (idempotent)."""
        today = fields.Date.context_today(self)
        partners = self.search(
            [
                ("crm_service_state", "=", "in_service"),
                ("crm_service_date_end", "!=", False),
                ("crm_service_date_end", "<", today),
            ]
        )
        partners.with_context(tracking_disable=True).write({"crm_service_state": "ended"})
        self.env["ir.cron"]._notify_progress(done=len(partners), remaining=0)

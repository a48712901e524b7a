import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import AFTER_CREATE, CONCURRENCY_ERRORS, check_protected_fields
from .crm_standard_ticket_sla import TICKET_PRIORITIES, TICKET_TYPES

_logger = logging.getLogger(__name__)

CHANNELS = [
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("web", "Web"),
    ("other", "Other"),
]
# runs that try to send a ticket's feedback form before giving up
FEEDBACK_MAX_ATTEMPTS = 3


class CrmStandardTicket(models.Model):
    _name = "crm.standard.ticket"
    _description = "Service Ticket"
    _inherit = ["rating.mixin", "mail.activity.mixin", "crm.standard.partner.link.mixin"]
    _order = "priority desc, date_received desc, id desc"
    _check_company_auto = True
    # the partner visibility rule opens a ticket's customer to its assignee
    _crm_link_fields = ("partner_id", "user_id")

    def _default_stage_id(self):
        company_id = self.env.context.get("default_company_id")
        return self._crm_first_stage(
            self.env["res.company"].browse(company_id) if company_id else self.env.company
        )

    @api.model
    def _crm_first_stage(self, company):
        """Stage new tickets of ``company`` start in: the first of its own or shared stages."""
        return self.env["crm.standard.ticket.stage"].search(
            [("company_id", "in", [False, company.id])], limit=1
        )

    @api.model
    def _crm_reopen_stage(self, company):
        """Stage a solved ticket of ``company`` goes back to when its customer replies.

        The first open stage after the first one, among the stages of ``company``
        and the shared ones. Extension point: override to reopen elsewhere.
        """
        return self.env["crm.standard.ticket.stage"].search(
            [
                ("is_closed", "=", False),
                ("id", "!=", self._crm_first_stage(company).id),
                ("company_id", "in", [False, company.id]),
            ],
            limit=1,
        )

    def _default_team_id(self):
        return self.env["crm.standard.ticket.team"].search(
            [("member_ids", "in", self.env.uid), ("company_id", "=", self.env.company.id)], limit=1
        )

    def _default_user_id(self):
        """Agents (not managers) who record a ticket by hand handle it themselves.

        Otherwise auto-assignment could give it to a colleague and, by the
        record rules, the agent would lose sight of the ticket just created.
        """
        user = self.env.user
        if user.has_group("crm_standard.group_crm_standard_service_agent") and not user.has_group(
            "crm_standard.group_crm_standard_service_manager"
        ):
            team = (
                self.env["crm.standard.ticket.team"].browse(self.env.context.get("default_team_id"))
                or self._default_team_id()
            )
            if user in team.member_ids:
                return user
        return self.env["res.users"]

    number = fields.Char(
        string="Ticket Number",
        readonly=True,
        copy=False,
        index="btree_not_null",
        default=lambda self: self.env._("New"),
    )
    name = fields.Char(string="Subject", required=True, tracking=True)
    description = fields.Html()
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    # -- customer ------------------------------------------------------------
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        tracking=True,
        index=True,
        check_company=True,
        help="The person who raised the ticket (or the customer company itself).",
    )
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    # the customer's grade tells the priority of the ticket (read by agents too)
    crm_customer_grade = fields.Selection(
        related="commercial_partner_id.customer_grade", string="Customer Grade"
    )
    partner_email = fields.Char(related="partner_id.email", string="Customer E-mail")
    partner_phone = fields.Char(related="partner_id.phone", string="Customer Phone")
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        tracking=True,
        check_company=True,
        index="btree_not_null",
        domain="[('type', '=', 'opportunity')]",
        help="The opportunity this request relates to, or the one it gave rise to.",
    )
    # -- classification ------------------------------------------------------
    ticket_type = fields.Selection(
        TICKET_TYPES, string="Type", required=True, default="inquiry", tracking=True, index=True
    )
    category_id = fields.Many2one(
        "crm.standard.ticket.category", tracking=True, index=True, check_company=True
    )
    priority = fields.Selection(
        TICKET_PRIORITIES, default="1", required=True, tracking=True, index=True
    )
    channel = fields.Selection(CHANNELS, default="phone", required=True)
    # -- handling ------------------------------------------------------------
    team_id = fields.Many2one(
        "crm.standard.ticket.team",
        tracking=True,
        index=True,
        check_company=True,
        default=lambda self: self._default_team_id(),
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assigned To",
        tracking=True,
        index=True,
        check_company=True,
        domain="[('share', '=', False)]",
        default=lambda self: self._default_user_id(),
    )
    stage_id = fields.Many2one(
        "crm.standard.ticket.stage",
        tracking=True,
        index=True,
        copy=False,
        required=True,
        ondelete="restrict",
        group_expand="_read_group_stage_ids",
        default=lambda self: self._default_stage_id(),
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True, string="Solved")
    # -- feedback ------------------------------------------------------------
    feedback_request_date = fields.Datetime(
        string="Feedback Requested On",
        readonly=True,
        copy=False,
        help="When the customer feedback form was sent after delivery.",
    )
    feedback_attempts = fields.Integer(
        readonly=True, copy=False, help="Failed sendings of the feedback form (at most 3 runs)."
    )
    feedback_error = fields.Text(
        readonly=True, copy=False, help="Why the feedback form could not be sent."
    )

    _sql_constraints = [
        ("number_company_uniq", "unique(number, company_id)", "The ticket number must be unique."),
    ]

    # ---------------------------------------------------------------------
    # Computes
    # ---------------------------------------------------------------------
    @api.depends("number", "name")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = (
                f"[{ticket.number}] {ticket.name}" if ticket.number and ticket.id else ticket.name
            )

    # ---------------------------------------------------------------------
    # ORM
    # ---------------------------------------------------------------------
    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search(
            [("company_id", "in", [False, *self.env.companies.ids])], order=stages._order
        )

    @api.model
    def _crm_next_numbers(self, count):
        """``count`` new ticket numbers in one query (batch-friendly).

        Extension point: override for another numbering scheme.
        """
        if not count:
            return []
        numbers = self.env["ir.sequence"]._crm_next_by_code_batch("crm_standard.ticket", count)
        if numbers is None:
            raise UserError(
                self.env._("Ticket Number: the sequence 'crm_standard.ticket' is missing.")
            )
        return numbers

    @api.model
    def _crm_protected_fields(self):
        """``{field: group or None}`` only the system writes: the number, the
        SLA clock and its results, escalation and feedback stamps (see
        ``tools/protected.py``). The reception date starts the SLA clock: given
        when the ticket is recorded (a call taken earlier), never moved after.
        Extension point."""
        return {
            "date_received": AFTER_CREATE,
            **dict.fromkeys(
                [
                    "number",
                    "response_deadline",
                    "resolution_deadline",
                    "first_response_date",
                    "first_response_hours",
                    "solve_date",
                    "reopen_date",
                    "sla_status",
                    "sla_compliance",
                    "escalated",
                    "escalation_date",
                    "feedback_request_date",
                ]
            ),
        }

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list, create=True)
        for vals in vals_list:
            vals.pop("solve_date", None)  # set below from the stage
        if "default_stage_id" not in self.env.context:
            # the first stage of the ticket's company, not of the current one
            # (e-mails to another company's alias are processed as superuser)
            first_stages = {}
            for vals in vals_list:
                if vals.get("company_id") and not vals.get("stage_id"):
                    company = self.env["res.company"].browse(vals["company_id"])
                    if company not in first_stages:
                        first_stages[company] = self._crm_first_stage(company)
                    vals["stage_id"] = first_stages[company].id
        new_label = self.env._("New")
        todo = [vals for vals in vals_list if vals.get("number", new_label) == new_label]
        for vals, number in zip(todo, self._crm_next_numbers(len(todo)), strict=True):
            vals["number"] = number
        tickets = super().create(vals_list)
        now = fields.Datetime.now()
        closed = tickets.filtered("is_closed")
        if closed:
            # the deadlines first: the solve date freezes them
            closed._recompute_recordset(["response_deadline", "resolution_deadline"])
            closed.sudo().solve_date = now
        tickets.filtered(lambda t: t.partner_id)._crm_subscribe_customer()
        tickets._crm_auto_assign()
        tickets._crm_complaints_changed(
            tickets.filtered(lambda t: t.ticket_type == "complaint").commercial_partner_id
        )
        return tickets

    def write(self, vals):
        check_protected_fields(self, [vals])
        complaint_keys = {"ticket_type", "partner_id", "active"}
        old_complaint_partners = self.env["res.partner"]
        if complaint_keys & vals.keys():
            old_complaint_partners = self.filtered(
                lambda t: t.ticket_type == "complaint"
            ).commercial_partner_id
        old_stages, extra = {}, {}
        if "stage_id" in vals:
            new_stage = self.env["crm.standard.ticket.stage"].browse(vals["stage_id"])
            first_stages = {c: self._crm_first_stage(c) for c in self.company_id}
            old_stages = {t: t.stage_id for t in self if t.stage_id != new_stage}
            now = fields.Datetime.now()
            for ticket, old in old_stages.items():
                if not ticket.first_response_date and old == first_stages[ticket.company_id]:
                    extra.setdefault(ticket, {})["first_response_date"] = now
                if new_stage.is_closed and not old.is_closed:
                    extra.setdefault(ticket, {})["solve_date"] = now
                elif old.is_closed and not new_stage.is_closed:
                    extra.setdefault(ticket, {}).update(solve_date=False, reopen_date=now)
        res = super().write(vals)
        if old_stages:
            groups = defaultdict(list)
            for ticket, values in extra.items():
                groups[tuple(sorted(values.items()))].append(ticket.id)
            for values, ids in groups.items():
                self.browse(ids).sudo().write(dict(values))
            moved = self.browse([t.id for t in old_stages])
            template = new_stage.rating_template_id
            if template:
                moved._crm_send_rating_request(template)
        if vals.get("team_id"):
            self._crm_auto_assign()
        if vals.get("partner_id"):
            self._crm_subscribe_customer()
        if complaint_keys & vals.keys():
            self._crm_complaints_changed(
                old_complaint_partners
                | self.filtered(lambda t: t.ticket_type == "complaint").commercial_partner_id
            )
        return res

    def _crm_check_partner_links(self, vals_list):
        """A ticket opens its customer to its assignee (the partner visibility
        rule): a restricted salesperson links only partners they see, and
        assigns them to others only for their own customers (issue 16)."""
        Partner = self.env["res.partner"]
        if not Partner._crm_user_is_restricted():
            return
        links, grants = [], []
        for values in self._crm_values_after(vals_list, ("partner_id", "user_id")):
            partner = Partner.browse(values["partner_id"])
            if partner:
                links.append(("partner_id", partner))
                users = self.env["res.users"].browse(values["user_id"])
                grants.append(("user_id", partner, users))
        Partner._crm_check_links(self, links, grants)

    def unlink(self):
        partners = self.filtered(lambda t: t.ticket_type == "complaint").commercial_partner_id
        res = super().unlink()
        self._crm_complaints_changed(partners.exists())
        return res

    def _crm_subscribe_customer(self):
        for ticket in self:
            if ticket.partner_id not in ticket.message_partner_ids:
                ticket.message_subscribe(partner_ids=ticket.partner_id.ids)

    def _crm_complaints_changed(self, partners):
        """Tell the customers whose complaint tickets changed (value tags, health score)."""
        if partners:
            partners.invalidate_recordset(["crm_complaint_ticket_count"])
            partners._crm_on_complaints_changed()

    # ---------------------------------------------------------------------
    # Assignment
    # ---------------------------------------------------------------------
    def _crm_auto_assign(self):
        """Assign the open, unassigned tickets of ``self`` to a team member."""
        todo = self.filtered(lambda t: t.team_id and not t.user_id and not t.is_closed)
        if todo:
            todo.team_id._crm_assign_tickets(todo)

    def action_assign_to_me(self):
        self.write({"user_id": self.env.uid})
        return True

    # ---------------------------------------------------------------------
    # Mail
    # ---------------------------------------------------------------------
    @api.model
    def _crm_partner_from_email(self, msg_dict):
        """Partner of the sender of an incoming e-mail; created when unknown."""
        author = self.env["res.partner"].browse(msg_dict.get("author_id") or [])
        if author:
            return author
        email_from = msg_dict.get("email_from")
        if not email_from:
            return author
        partners = self._mail_find_partner_from_emails([email_from], force_create=True)
        return partners[0] if partners else author

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """An e-mail to a team's alias: a ticket for the sender's partner."""
        values = dict(custom_values or {})
        partner = self._crm_partner_from_email(msg_dict)
        values.setdefault("name", msg_dict.get("subject") or self.env._("No Subject"))
        values.setdefault("description", msg_dict.get("body"))
        values.setdefault("channel", "email")
        if partner:
            values["partner_id"] = partner.id
        return super(
            CrmStandardTicket, self.with_context(mail_create_nosubscribe=True)
        ).message_new(msg_dict, custom_values=values)

    def message_update(self, msg_dict, update_vals=None):
        """A reply threads onto its ticket; a solved ticket the customer answers reopens."""
        author = msg_dict.get("author_id")
        reopen = self.filtered(lambda t: t.is_closed and author and author == t.partner_id.id)
        res = super().message_update(msg_dict, update_vals=update_vals)
        for company, tickets in reopen.grouped("company_id").items():
            stage = self._crm_reopen_stage(company)
            if stage:
                tickets.write({"stage_id": stage.id})
        return res

    def _message_post_after_hook(self, message, msg_vals):
        """The first public message of an employee is the first response."""
        if not self.first_response_date and self._crm_is_first_response(message, msg_vals):
            self.sudo().first_response_date = message.date or fields.Datetime.now()
        return super()._message_post_after_hook(message, msg_vals)

    def _crm_is_first_response(self, message, msg_vals):
        """Whether ``message`` counts as a response to the customer; override to tune."""
        if (
            message.message_type not in ("comment", "email", "email_outgoing")
            or message.is_internal
        ):
            return False
        subtype = message.subtype_id
        if not subtype or subtype.internal:
            return False
        return bool(message.author_id.user_ids.filtered(lambda u: not u.share))

    def _crm_send_rating_request(self, template):
        for ticket in self.filtered(lambda t: t.partner_id.email):
            ticket.rating_send_request(template, lang=ticket.partner_id.lang, force_send=False)

    # ---------------------------------------------------------------------
    # Reporting
    # ---------------------------------------------------------------------
    def _read_group_select(self, aggregate_spec, query):
        # Ticket Analysis: the averages count answered / rated tickets only
        # (Odoo stores 0, not NULL, for an unanswered or unrated ticket)
        conditions = self._crm_average_conditions()
        if aggregate_spec.endswith(":avg") and aggregate_spec[:-4] in conditions:
            fname = aggregate_spec[:-4]
            super()._read_group_select(aggregate_spec, query)  # the access checks
            return SQL(
                "AVG(CASE WHEN %s THEN %s END)",
                conditions[fname](query),
                self._field_to_sql(self._table, fname, query),
            )
        return super()._read_group_select(aggregate_spec, query)

    def _crm_average_conditions(self):
        """{measure: the SQL condition of the tickets its average counts}. Extension point."""
        table = self._table
        return {
            "first_response_hours": lambda query: SQL(
                "%s IS NOT NULL", self._field_to_sql(table, "first_response_date", query)
            ),
            "rating_last_value": lambda query: SQL(
                "%s > 0", self._field_to_sql(table, "rating_last_value", query)
            ),
        }

    # ---------------------------------------------------------------------
    # Scheduled actions
    # ---------------------------------------------------------------------
    @api.model
    def _crm_feedback_request_domain(self, company):
        """Tickets due for the feedback form of ``company``; override to narrow it."""
        delay = company.crm_ticket_feedback_days
        return [
            ("company_id", "=", company.id),
            ("is_closed", "=", True),
            ("feedback_request_date", "=", False),
            # a form that failed 3 runs is not retried (the error shows on the ticket)
            ("feedback_attempts", "<", FEEDBACK_MAX_ATTEMPTS),
            ("partner_id.email", "!=", False),
            ("solve_date", "<=", fields.Datetime.now() - timedelta(days=delay)),
        ]

    @api.model
    def _cron_crm_send_feedback_requests(self, batch_size=100):
        """Scheduled action: the feedback form, a set delay after the service delivery.

        Delay per company ('Feedback Request After (Days)', 30 by default,
        0 disables). Each ticket gets it once (``feedback_request_date``);
        rows are locked FOR UPDATE SKIP LOCKED so two workers never send twice.
        """
        template = self.env.ref(
            "crm_standard.mail_template_ticket_feedback_request", raise_if_not_found=False
        )
        if not template:
            return 0
        companies = self.env["res.company"].search([("crm_ticket_feedback_days", ">", 0)])
        todo = self.browse()
        for company in companies:
            todo |= self.sudo().search(self._crm_feedback_request_domain(company))
        batch = todo[:batch_size]
        if batch:
            try:
                with self.env.cr.savepoint():
                    self.env.cr.execute(
                        """
                        SELECT id FROM crm_standard_ticket
                         WHERE id IN %s AND feedback_request_date IS NULL
                           FOR UPDATE SKIP LOCKED""",
                        [tuple(batch.ids)],
                    )
                    batch = self.sudo().browse(row[0] for row in self.env.cr.fetchall())
            except CONCURRENCY_ERRORS:
                _logger.info("crm_standard: feedback requests running in another worker")
                return 0
        done = 0
        for ticket in batch:
            try:
                with self.env.cr.savepoint():
                    ticket.feedback_request_date = fields.Datetime.now()
                    ticket._crm_send_rating_request(template)
                    ticket.feedback_error = False
                done += 1
            except Exception as exc:
                _logger.exception("crm_standard: feedback request failed for ticket %s", ticket.id)
                attempts = ticket.feedback_attempts + 1
                ticket.write(
                    {
                        "feedback_attempts": attempts,
                        "feedback_error": self.env._(
                            "Feedback form not sent (attempt %(attempt)s of %(max)s%(last)s): "
                            "%(error)s",
                            attempt=attempts,
                            max=FEEDBACK_MAX_ATTEMPTS,
                            last=self.env._(", no more retries")
                            if attempts >= FEEDBACK_MAX_ATTEMPTS
                            else "",
                            error=exc,
                        ),
                    }
                )
        self.env["ir.cron"]._notify_progress(done=done, remaining=max(len(todo) - len(batch), 0))
        return done

import logging
from collections import defaultdict
from datetime import timedelta, timezone

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_is_zero

from ..tools import CONCURRENCY_ERRORS
from .crm_standard_ticket_sla import TICKET_PRIORITIES, TICKET_TYPES

_logger = logging.getLogger(__name__)

SLA_STATUSES = [
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
]
CHANNELS = [
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("web", "Web"),
    ("other", "Other"),
]
SLA_FIELDS = ("sla_id", "response_deadline", "resolution_deadline")
# tickets due for escalation: breached, not yet escalated, open, active
ESCALATION_DUE_SQL = SQL(
    """sla_status = 'breached' AND escalated IS NOT TRUE
       AND is_closed IS NOT TRUE AND active"""
)


def _format_span(env, delta):
    """A duration as people say it on a card: '4 d', '5 h', '20 min'."""
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 24 * 60:
        return env._("%(count)s d", count=minutes // (24 * 60))
    if minutes >= 60:
        return env._("%(count)s h", count=minutes // 60)
    return env._("%(count)s min", count=max(minutes, 1))


class CrmStandardTicket(models.Model):
    _name = "crm.standard.ticket"
    _description = "Service Ticket"
    _inherit = ["rating.mixin", "mail.activity.mixin"]
    _order = "priority desc, date_received desc, id desc"
    _check_company_auto = True

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
    # -- SLA -----------------------------------------------------------------
    date_received = fields.Datetime(
        string="Received On",
        required=True,
        default=fields.Datetime.now,
        copy=False,
        help="Start of the SLA clock.",
    )
    sla_id = fields.Many2one(
        "crm.standard.ticket.sla",
        string="SLA Policy",
        check_company=True,
        compute="_compute_sla_id",
        store=True,
        readonly=False,
        tracking=True,
    )
    response_deadline = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        copy=False,
        help="First response due by this time (working hours of the team).",
    )
    resolution_deadline = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        copy=False,
        help="Solution due by this time (working hours of the team).",
    )
    first_response_date = fields.Datetime(
        readonly=True,
        copy=False,
        help="First message of an employee to the customer, or the first move "
        "out of the first stage.",
    )
    first_response_hours = fields.Float(
        string="First Response (Hours)",
        compute="_compute_first_response_hours",
        store=True,
        aggregator="avg",
        help="Working hours (or calendar hours without working schedule) "
        "between reception and first response.",
    )
    solve_date = fields.Datetime(string="Solved On", readonly=True, copy=False)
    reopen_date = fields.Datetime(
        string="Reopened On",
        readonly=True,
        copy=False,
        help="Last time the solved ticket was reopened: the resolution time counts from then.",
    )
    sla_status = fields.Selection(
        SLA_STATUSES,
        string="SLA Status",
        compute="_compute_sla_status",
        store=True,
        index=True,
        help="Refreshed when the ticket changes and by the SLA scheduled action.",
    )
    sla_summary = fields.Char(
        string="SLA",
        compute="_compute_sla_summary",
        help="The deadline the SLA status is about: the missed one, else the next one.",
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_summary",
        help="The deadline the SLA status is about: the missed one, else the next one.",
    )
    sla_compliance = fields.Float(
        string="SLA Compliance (%)",
        compute="_compute_sla_compliance",
        store=True,
        aggregator="avg",
        help="100 unless the SLA is breached; its average is the compliance rate.",
    )
    escalated = fields.Boolean(readonly=True, copy=False, index=True)
    escalation_date = fields.Datetime(readonly=True, copy=False)
    # -- feedback ------------------------------------------------------------
    feedback_request_date = fields.Datetime(
        string="Feedback Requested On",
        readonly=True,
        copy=False,
        help="When the customer feedback form was sent after delivery.",
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

    @api.depends("team_id", "ticket_type", "priority", "company_id")
    def _compute_sla_id(self):
        policies = self.env["crm.standard.ticket.sla"]._crm_find_policies(self)
        for ticket in self:
            ticket.sla_id = policies[ticket]

    @api.depends(
        "sla_id.response_hours",
        "sla_id.resolution_hours",
        "date_received",
        "reopen_date",
        "team_id.resource_calendar_id",
        "is_closed",
        "solve_date",
    )
    def _compute_deadlines(self):
        for ticket in self:
            if ticket._crm_sla_frozen():
                # solved: a later change of the policy or of the working hours
                # must not rewrite the SLA history (Ticket Analysis)
                ticket.response_deadline = ticket._origin.response_deadline
                ticket.resolution_deadline = ticket._origin.resolution_deadline
                continue
            start = ticket.date_received or fields.Datetime.now()
            sla = ticket.sla_id
            ticket.response_deadline = ticket._crm_add_working_hours(start, sla.response_hours)
            # reopened: a fresh resolution window from the reopening
            ticket.resolution_deadline = ticket._crm_add_working_hours(
                ticket.reopen_date or start, sla.resolution_hours
            )

    @api.depends("first_response_date", "date_received", "team_id.resource_calendar_id")
    def _compute_first_response_hours(self):
        for ticket in self:
            if ticket.first_response_date and ticket.date_received:
                ticket.first_response_hours = ticket._crm_working_hours_between(
                    ticket.date_received, ticket.first_response_date
                )
            else:
                ticket.first_response_hours = 0.0

    @api.depends(
        "response_deadline",
        "resolution_deadline",
        "first_response_date",
        "solve_date",
        "reopen_date",
        "is_closed",
        "sla_id.at_risk_percent",
        "sla_id.response_hours",
        "sla_id.resolution_hours",
        "team_id.resource_calendar_id",
    )
    def _compute_sla_status(self):
        now = fields.Datetime.now()
        intervals = self._crm_work_intervals(now)
        for ticket in self:
            if ticket._crm_sla_frozen():
                # solved: judged when the SLA clock stopped, so the status never moves again
                ticket.sla_status = ticket._crm_sla_status_at(ticket.solve_date)
            else:
                calendar = ticket.team_id.resource_calendar_id if intervals else None
                ticket.sla_status = ticket._crm_sla_status_at(now, intervals.get(calendar))

    @api.depends("sla_status")
    def _compute_sla_compliance(self):
        for ticket in self:
            ticket.sla_compliance = 0.0 if ticket.sla_status == "breached" else 100.0

    @api.depends(
        "sla_status",
        "response_deadline",
        "resolution_deadline",
        "first_response_date",
        "solve_date",
        "is_closed",
    )
    @api.depends_context("lang")
    def _compute_sla_summary(self):
        now = fields.Datetime.now()
        for ticket in self:
            kind, deadline, done = ticket._crm_sla_focus(now)
            ticket.sla_deadline = deadline
            ticket.sla_summary = ticket._crm_sla_summary_text(kind, deadline, done, now)

    def _crm_sla_focus(self, now):
        """(kind, deadline, done) of the deadline the ticket's SLA status is
        about: a missed one first (a pending one before one met late), else
        the next pending one; ``kind`` is 'response' or 'resolution', or
        False when no deadline is pending or missed."""
        self.ensure_one()
        pairs = [
            ("response", self.response_deadline, self.first_response_date or self.solve_date),
            ("resolution", self.resolution_deadline, self.solve_date),
        ]
        pairs = [(kind, deadline, done) for kind, deadline, done in pairs if deadline]
        missed = [p for p in pairs if (p[2] or now) > p[1]]
        missed.sort(key=lambda p: bool(p[2]))  # pending first
        pending = [p for p in pairs if not p[2]]
        if missed:
            return missed[0]
        if pending and not self._crm_sla_frozen():
            return pending[0]
        return False, False, False

    def _crm_sla_summary_text(self, kind, deadline, done, now):
        """'Response overdue 4 d', 'Resolution due in 5 h'... Extension point."""
        if not kind:
            return False
        _ = self.env._
        late = (done or now) - deadline
        if late.total_seconds() > 0:
            span = _format_span(self.env, late)
            if done:
                texts = {
                    "response": _("Response %(span)s late", span=span),
                    "resolution": _("Solved %(span)s late", span=span),
                }
            else:
                texts = {
                    "response": _("Response overdue %(span)s", span=span),
                    "resolution": _("Resolution overdue %(span)s", span=span),
                }
        else:
            span = _format_span(self.env, -late)
            texts = {
                "response": _("Response due in %(span)s", span=span),
                "resolution": _("Resolution due in %(span)s", span=span),
            }
        return texts[kind]

    # ---------------------------------------------------------------------
    # SLA helpers (extension points)
    # ---------------------------------------------------------------------
    def _crm_add_working_hours(self, start, hours):
        """Deadline ``hours`` after ``start`` in the team's working time.

        Counted in the team's ``resource.calendar`` (attendances and public
        holidays) when it has one, else in calendar hours. Override to use
        another calendar (the customer's contract, for example).
        """
        self.ensure_one()
        if not start or float_is_zero(hours or 0.0, precision_digits=4):
            return False
        calendar = self.team_id.resource_calendar_id
        if calendar:
            deadline = calendar.plan_hours(hours, start, compute_leaves=True)
            if deadline:
                return deadline
        return start + timedelta(hours=hours)

    def _crm_working_hours_between(self, start, end, intervals=None):
        """Working hours of the team from ``start`` to ``end``; calendar hours without schedule.

        ``intervals``: work intervals of the team's calendar covering the
        period (see ``_crm_work_intervals``), to count many tickets at once.
        """
        self.ensure_one()
        if end <= start:
            return 0.0
        calendar = self.team_id.resource_calendar_id
        if calendar and intervals is None:
            return round(calendar.get_work_hours_count(start, end, compute_leaves=True), 2)
        if calendar:
            start, end = start.replace(tzinfo=timezone.utc), end.replace(tzinfo=timezone.utc)
            seconds = sum(
                (min(stop, end) - max(begin, start)).total_seconds()
                for begin, stop, __ in intervals
                if begin < end and stop > start
            )
            return round(seconds / 3600, 2)
        return round((end - start).total_seconds() / 3600, 2)

    def _crm_work_intervals(self, start):
        """{calendar: its work intervals from ``start`` to the last pending deadline
        of its tickets in ``self``}: two queries per team calendar, not per ticket."""
        ends = {}
        for ticket in self:
            if ticket._crm_sla_frozen():
                continue
            for deadline, done in (
                (ticket.response_deadline, ticket.first_response_date),
                (ticket.resolution_deadline, ticket.solve_date),
            ):
                if not deadline or done or deadline <= start:
                    continue  # no time left to count (the team is not even read)
                calendar = ticket.team_id.resource_calendar_id
                if calendar:
                    ends[calendar] = max(ends.get(calendar, deadline), deadline)
        utc_start = start.replace(tzinfo=timezone.utc)
        return {
            calendar: calendar._work_intervals_batch(
                utc_start, end.replace(tzinfo=timezone.utc), compute_leaves=True
            )[False]
            for calendar, end in ends.items()
        }

    def _crm_sla_frozen(self):
        """Whether the SLA of the ticket is settled: it is solved (closing stage, solve date).

        A settled ticket keeps the deadlines it was solved against and its
        status at the solve date; reopening it unsettles it.
        """
        self.ensure_one()
        return self.is_closed and bool(self.solve_date)

    def _crm_sla_status_at(self, now, intervals=None):
        """SLA status of the ticket at ``now`` from its stored deadlines.

        Breached when a deadline was missed (late first response, late
        solution, or a pending deadline in the past); at risk when less than
        the policy's 'At Risk Below (%)' of its hours is left, counted in the
        team's working hours like the deadlines. Solving the ticket also
        answers it; the resolution time of a reopened ticket counts from the
        reopening. ``intervals``: see ``_crm_working_hours_between``.
        """
        self.ensure_one()
        sla = self.sla_id
        answered = self.first_response_date or self.solve_date
        pairs = (
            (self.response_deadline, answered, sla.response_hours),
            (self.resolution_deadline, self.solve_date, sla.resolution_hours),
        )
        if any(deadline and (done or now) > deadline for deadline, done, __ in pairs):
            return "breached"
        ratio = (sla.at_risk_percent if sla else 25) / 100.0
        for deadline, done, hours in pairs:
            if deadline and not done and hours:
                left = self._crm_working_hours_between(now, deadline, intervals)
                if left <= hours * ratio:
                    return "at_risk"
        return "on_track"

    # ---------------------------------------------------------------------
    # ORM
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

    @api.model_create_multi
    def create(self, vals_list):
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
    # Scheduled actions
    # ---------------------------------------------------------------------
    @api.model
    def _crm_refresh_sla_status(self, batch_size=1000):
        """Recompute the time-dependent SLA status of the open tickets."""
        tickets = self.sudo().search(
            [
                ("is_closed", "=", False),
                ("sla_status", "!=", "breached"),
                "|",
                ("response_deadline", "!=", False),
                ("resolution_deadline", "!=", False),
            ]
        )
        for start in range(0, len(tickets), batch_size):
            tickets[start : start + batch_size]._crm_refresh_batch()
        return tickets

    def _crm_refresh_batch(self):
        """Recompute the SLA status of ``self``: a constant number of queries."""
        self.env.add_to_compute(self._fields["sla_status"], self)
        self.env.add_to_compute(self._fields["sla_compliance"], self)
        self.flush_recordset(["sla_status", "sla_compliance"])

    def _crm_escalate(self):
        """Escalate breached tickets: raise the priority one step, once.

        Returns {leader (res.users): tickets}. Set-based: the number of
        queries does not depend on the number of tickets.
        """
        tickets = self.filtered(
            lambda t: not t.escalated and t.sla_status == "breached" and not t.is_closed
        )
        if not tickets:
            return {}
        now = fields.Datetime.now()
        labels = dict(self._fields["priority"]._description_selection(self.env))
        by_priority = defaultdict(list)
        bodies = {}
        for ticket in tickets:
            new = str(min(int(ticket.priority) + 1, int(TICKET_PRIORITIES[-1][0])))
            by_priority[new].append(ticket.id)
            bodies[ticket.id] = Markup("<p>%s</p>") % self.env._(
                "SLA breached: ticket escalated, priority %(old)s → %(new)s.",
                old=labels[ticket.priority],
                new=labels[new],
            )
        # the SLA stays the one that was breached: escalation does not move deadlines
        with self.env.protecting([self._fields[f] for f in SLA_FIELDS], tickets):
            for priority, ids in by_priority.items():
                self.browse(ids).with_context(mail_notrack=True).write(
                    {"priority": priority, "escalated": True, "escalation_date": now}
                )
        tickets._message_log_batch(bodies=bodies)
        per_leader = defaultdict(self.browse)
        for ticket in tickets:
            leader = ticket.team_id.leader_id
            if leader:
                per_leader[leader] |= ticket
        return per_leader

    @api.model
    def _crm_notify_leaders(self, per_leader):
        """One digest message per team leader listing the escalated tickets."""
        for leader, tickets in per_leader.items():
            team = tickets.team_id.filtered(lambda t, leader=leader: t.leader_id == leader)[:1]
            items = Markup().join(
                Markup('<li><a href="/odoo/crm.standard.ticket/%s">%s</a> (%s)</li>')
                % (t.id, t.display_name, t.commercial_partner_id.display_name or "-")
                for t in tickets
            )
            body = Markup("<p>%s</p><ul>%s</ul>") % (
                self.env._(
                    "%(count)s ticket(s) of your teams breached their SLA and were escalated:",
                    count=len(tickets),
                ),
                items,
            )
            team.message_notify(
                partner_ids=leader.partner_id.ids,
                body=body,
                subject=self.env._("Escalated tickets (%(count)s)", count=len(tickets)),
                email_layout_xmlid="mail.mail_notification_light",
            )

    @api.model
    def _crm_lock_escalation_batch(self, batch_size):
        """Ids of breached, not yet escalated open tickets, locked for this worker."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM crm_standard_ticket
                 WHERE %s
                 ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                ESCALATION_DUE_SQL,
                batch_size,
            )
        )
        return self.sudo().browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _cron_crm_sla_escalation(self, batch_size=200, max_batches=50):
        """Scheduled action: refresh SLA status, escalate breaches, notify leaders.

        Idempotent (a ticket escalates once: ``escalated``), batched (progress
        through ``ir.cron._notify_progress``; what is left is taken by the next
        call) and safe under two workers (rows locked FOR UPDATE SKIP LOCKED;
        rows another worker changed since our snapshot are left to it).
        Leaders get one digest per run.
        """
        try:
            with self.env.cr.savepoint():
                self._crm_refresh_sla_status()
        except CONCURRENCY_ERRORS:
            # another worker refreshed (and is escalating) these tickets
            _logger.info("crm_standard: SLA refresh running in another worker")
            self.env.invalidate_all()
        per_leader = defaultdict(self.browse)
        done = 0
        for __ in range(max_batches):
            try:
                with self.env.cr.savepoint():
                    batch = self._crm_lock_escalation_batch(batch_size)
            except CONCURRENCY_ERRORS:
                # tickets of our snapshot were just escalated by another
                # worker: leave the rest to a run in a new transaction
                _logger.info("crm_standard: SLA escalation running in another worker")
                break
            if not batch:
                break
            try:
                with self.env.cr.savepoint():
                    for leader, tickets in batch._crm_escalate().items():
                        per_leader[leader] |= tickets
            except Exception:
                _logger.exception("crm_standard: escalation failed for tickets %s", batch.ids)
                self.env.invalidate_all()
                batch = batch._crm_escalate_one_by_one(per_leader)
            done += len(batch)
        self._crm_notify_leaders(per_leader)
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT count(*) FROM crm_standard_ticket WHERE %s", ESCALATION_DUE_SQL)
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _crm_escalate_one_by_one(self, per_leader):
        """Fallback after a failed batch: escalate each ticket alone, log and skip bad ones."""
        done = self.browse()
        for ticket in self:
            try:
                with self.env.cr.savepoint():
                    for leader, tickets in ticket._crm_escalate().items():
                        per_leader[leader] |= tickets
                done |= ticket
            except Exception:
                _logger.exception("crm_standard: escalation failed for ticket %s", ticket.id)
                # mark it so it does not block every run
                self.env.cr.execute(
                    "UPDATE crm_standard_ticket SET escalated = TRUE WHERE id = %s", [ticket.id]
                )
        return done

    @api.model
    def _crm_feedback_request_domain(self, company):
        """Tickets due for the feedback form of ``company``; override to narrow it."""
        delay = company.crm_ticket_feedback_days
        return [
            ("company_id", "=", company.id),
            ("is_closed", "=", True),
            ("feedback_request_date", "=", False),
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
                done += 1
            except Exception:
                _logger.exception("crm_standard: feedback request failed for ticket %s", ticket.id)
        self.env["ir.cron"]._notify_progress(done=done, remaining=max(len(todo) - len(batch), 0))
        return done

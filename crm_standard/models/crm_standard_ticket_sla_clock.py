import logging
from collections import defaultdict
from datetime import timedelta, timezone

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, float_is_zero

from ..tools import CONCURRENCY_ERRORS
from .crm_standard_ticket_sla import TICKET_PRIORITIES

_logger = logging.getLogger(__name__)

SLA_STATUSES = [
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
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
    _inherit = "crm.standard.ticket"

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
    escalation_error = fields.Text(
        readonly=True,
        copy=False,
        help="Why the last escalation of this breached ticket failed; the next run retries it.",
    )

    # ---------------------------------------------------------------------
    # Computes
    # ---------------------------------------------------------------------
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
                    {
                        "priority": priority,
                        "escalated": True,
                        "escalation_date": now,
                        "escalation_error": False,
                    }
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
    def _crm_lock_escalation_batch(self, batch_size, exclude_ids=()):
        """Ids of breached, not yet escalated open tickets, locked for this
        worker; ``exclude_ids``: those that failed in this run."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM crm_standard_ticket
                 WHERE %s AND id != ALL(%s)
                 ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                ESCALATION_DUE_SQL,
                list(exclude_ids),
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
        done, failed = 0, set()
        for __ in range(max_batches):
            try:
                with self.env.cr.savepoint():
                    batch = self._crm_lock_escalation_batch(batch_size, failed)
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
                batch = batch._crm_escalate_one_by_one(per_leader, failed)
            done += len(batch)
        self._crm_notify_leaders(per_leader)
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT count(*) FROM crm_standard_ticket WHERE %s", ESCALATION_DUE_SQL)
        )
        # the failed ones wait for the next run, not for an immediate call
        remaining = max(self.env.cr.fetchone()[0] - len(failed), 0)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _crm_escalate_one_by_one(self, per_leader, failed):
        """Fallback after a failed batch: escalate each ticket alone, log and
        skip bad ones (added to ``failed``). A ticket is never marked
        escalated without its priority raised and its note posted: a failed
        one shows the error and is retried by the next run."""
        done = self.browse()
        for ticket in self:
            try:
                with self.env.cr.savepoint():
                    for leader, tickets in ticket._crm_escalate().items():
                        per_leader[leader] |= tickets
                done |= ticket
            except Exception as exc:
                _logger.exception("crm_standard: escalation failed for ticket %s", ticket.id)
                failed.add(ticket.id)
                ticket.escalation_error = self.env._(
                    "Escalation failed on %(date)s: %(error)s",
                    date=fields.Datetime.now(),
                    error=exc,
                )
        return done

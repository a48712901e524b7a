"""Which SLA deadline a ticket is about, in words: the missed one first
("Response overdue 4 d"), else the next one ("Resolution due in 5 h"), so
the card, the list and the form never show "in 3 days" beside "Breached"."""

from odoo import api, fields, models


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

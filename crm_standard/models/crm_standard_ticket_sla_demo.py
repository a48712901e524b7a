"""Demo tickets on track, at risk and breached, whatever the time of the install."""

from datetime import timedelta

from odoo import api, fields, models


class CrmStandardTicket(models.Model):
    _inherit = "crm.standard.ticket"

    @api.model
    def _crm_demo_sla_states(self, on_track_ids, at_risk_ids, breached_ids):
        """Demo data: date the tickets so that the list shows each SLA status.

        The status depends on the clock and the team's working hours (nights,
        weekends, holidays): the reception dates are counted back from now in
        the team's working time, so each ticket gets its status at any time of
        the install. On track: received now. At risk: answered, half of its
        'at risk' share of the resolution time left. Breached: received one
        working hour more than the response time ago, not answered.
        """
        now = fields.Datetime.now()
        Ticket = self.sudo()
        for ticket in Ticket.browse(on_track_ids):
            ticket.date_received = now
        for ticket in Ticket.browse(at_risk_ids):
            sla = ticket.sla_id
            left = sla.resolution_hours * (sla.at_risk_percent or 25) / 200.0
            received = ticket._crm_demo_hours_before(now, sla.resolution_hours - left)
            ticket.write(
                {
                    "date_received": received,
                    "first_response_date": ticket._crm_demo_hours_after(received, 1.0),
                }
            )
        for ticket in Ticket.browse(breached_ids):
            received = ticket._crm_demo_hours_before(now, ticket.sla_id.response_hours + 1.0)
            ticket.write({"date_received": received, "first_response_date": False})

    def _crm_demo_hours_before(self, end, hours):
        """The time ``hours`` working hours of the team before ``end``."""
        calendar = self.team_id.resource_calendar_id
        start = calendar and calendar.plan_hours(-hours, end, compute_leaves=True)
        return start or end - timedelta(hours=hours)

    def _crm_demo_hours_after(self, start, hours):
        return self._crm_add_working_hours(start, hours) or start + timedelta(hours=hours)

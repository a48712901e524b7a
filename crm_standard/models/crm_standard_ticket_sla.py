from odoo import api, fields, models
from odoo.exceptions import ValidationError

TICKET_TYPES = [
    ("inquiry", "Inquiry"),
    ("complaint", "Complaint"),
    ("after_sales", "After-Sales"),
    ("other", "Other"),
]
TICKET_PRIORITIES = [
    ("0", "Low"),
    ("1", "Medium"),
    ("2", "High"),
    ("3", "Urgent"),
]


class CrmStandardTicketSla(models.Model):
    _name = "crm.standard.ticket.sla"
    _description = "Ticket SLA Policy"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    team_id = fields.Many2one(
        "crm.standard.ticket.team",
        check_company=True,
        tracking=True,
        help="Leave empty to apply to every team.",
    )
    ticket_type = fields.Selection(
        TICKET_TYPES, tracking=True, help="Leave empty to apply to every type."
    )
    priority = fields.Selection(
        TICKET_PRIORITIES, tracking=True, help="Leave empty to apply to every priority."
    )
    response_hours = fields.Float(
        string="Response Within (Hours)",
        default=24.0,
        tracking=True,
        help="Time to the first response, counted in the team's working hours "
        "when the team has a working schedule, else in calendar hours. 0: no deadline.",
    )
    resolution_hours = fields.Float(
        string="Resolve Within (Hours)",
        default=72.0,
        tracking=True,
        help="Time to solve the ticket, counted like the response time. 0: no deadline.",
    )
    at_risk_percent = fields.Integer(
        string="At Risk Below (%)",
        default=25,
        help="A ticket is 'at risk' when less than this share of the time "
        "allowed for a pending deadline is left.",
    )

    @api.constrains("response_hours", "resolution_hours", "at_risk_percent")
    def _check_hours(self):
        for sla in self:
            if sla.response_hours < 0 or sla.resolution_hours < 0:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(name)s: response and resolution hours cannot be negative.",
                        name=sla.name,
                    )
                )
            if sla.resolution_hours and sla.response_hours > sla.resolution_hours:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(name)s: the response time (%(response)s h) cannot exceed "
                        "the resolution time (%(resolution)s h).",
                        name=sla.name,
                        response=sla.response_hours,
                        resolution=sla.resolution_hours,
                    )
                )
            if not 0 <= sla.at_risk_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(name)s: 'At Risk Below (%%)' must be between 0 and 100.",
                        name=sla.name,
                    )
                )

    def _crm_match_score(self, ticket):
        """Specificity of this policy for ``ticket``, or -1 if it does not apply.

        Extension point: override to match on more criteria (category, customer grade...).
        """
        self.ensure_one()
        score = 0
        for fname, value in (
            ("team_id", ticket.team_id),
            ("ticket_type", ticket.ticket_type),
            ("priority", ticket.priority),
        ):
            if self[fname]:
                if self[fname] != value:
                    return -1
                score += 1
        if self.company_id != ticket.company_id:
            return -1
        return score

    @api.model
    def _crm_find_policies(self, tickets):
        """{ticket: policy} with the most specific policy of each ticket (one search)."""
        policies = self.sudo().search([("company_id", "in", tickets.company_id.ids)])
        result = {}
        for ticket in tickets:
            best, best_score = self.browse(), -1
            for policy in policies:  # ordered by sequence: ties go to the first
                score = policy._crm_match_score(ticket)
                if score > best_score:
                    best, best_score = policy, score
            result[ticket] = best.sudo(False)
        return result

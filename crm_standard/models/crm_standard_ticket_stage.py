from odoo import fields, models


class CrmStandardTicketStage(models.Model):
    _name = "crm.standard.ticket.stage"
    _description = "Ticket Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    fold = fields.Boolean(
        string="Folded in Kanban", help="Folded in the kanban view when no ticket is in this stage."
    )
    is_closed = fields.Boolean(
        string="Closing Stage",
        help="Tickets in this stage are solved: the solve date is set and the SLA clock stops.",
    )
    rating_template_id = fields.Many2one(
        "mail.template",
        string="Rating Request Template",
        domain="[('model', '=', 'crm.standard.ticket')]",
        help="When a ticket reaches this stage, this e-mail asks the customer "
        "to rate the service (1 to 5 and a comment).",
    )
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the stage between companies."
    )

from odoo import fields, models


class CrmStandardTicketCategory(models.Model):
    _name = "crm.standard.ticket.category"
    _description = "Ticket Category"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the category between companies."
    )

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "A ticket category with this name already exists in this company.",
        ),
    ]

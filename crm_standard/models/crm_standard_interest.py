from odoo import fields, models


class CrmStandardInterest(models.Model):
    """Products or services a customer may be interested in.

    A plain configurable list, so that crm_standard needs neither ``sale`` nor
    ``product``; a bridge module can link it to ``product.template``.
    """

    _name = "crm.standard.interest"
    _description = "Product or Service of Interest"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one("res.company", index=True)

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "A product or service of interest with this name already exists.",
        ),
    ]

from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_migration_completeness_min = fields.Float(
        string="Migration Completeness Gate (%)",
        default=98.0,
        help="A migration batch of customers is accepted only when its required "
        "fields are filled at least this much, in percent.",
    )

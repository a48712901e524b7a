from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_migration_completeness_min = fields.Float(
        related="company_id.crm_migration_completeness_min", readonly=False
    )

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    crm_followup_overdue_days = fields.Integer(
        related="company_id.crm_followup_overdue_days", readonly=False
    )

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_kpi_go_live_date = fields.Date(related="company_id.crm_kpi_go_live_date", readonly=False)

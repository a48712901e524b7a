from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_kpi_go_live_date = fields.Date(
        string="CRM Go-Live Date",
        help="The day the standardized CRM went live: KPIs whose baseline is "
        "'Captured at Go-Live' take the value of the period before it.",
    )

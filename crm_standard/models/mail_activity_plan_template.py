from odoo import fields, models
from odoo.tools.translate import html_translate


class MailActivityPlanTemplate(models.Model):
    _inherit = "mail.activity.plan.template"

    # the steps of the shipped follow-up templates become the titles of the
    # salespeople's activities: in their language ("每月行业资讯")
    summary = fields.Char(translate=True)
    note = fields.Html(translate=html_translate)

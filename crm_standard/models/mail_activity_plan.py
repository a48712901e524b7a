from odoo import fields, models


class MailActivityPlan(models.Model):
    _inherit = "mail.activity.plan"

    # the shipped follow-up templates (crm.standard.followup.template delegates
    # to activity plans) are read by Chinese salespeople: translatable names
    name = fields.Char(translate=True)

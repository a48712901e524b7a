from odoo import fields, models


class MailActivityPlan(models.Model):
    _inherit = "mail.activity.plan"

    # the shipped follow-up templates (crm.standard.followup.template delegates
    # to activity plans) are read by Chinese salespeople: translatable names
    name = fields.Char(translate=True)

    def write(self, vals):
        res = super().write(vals)
        if {"active", "company_id"} & set(vals):
            # the follow-up templates matched from a cache (_crm_match_table)
            self.env.registry.clear_cache()
        return res

"""Follow-up plans (跟进计划) of the customer: smart button and counter."""

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_followup_plan_ids = fields.One2many(
        "crm.standard.followup.plan",
        "partner_id",
        string="Follow-up Plans",
        groups="sales_team.group_sale_salesman",
    )
    crm_followup_plan_count = fields.Integer(
        compute="_compute_crm_followup_plan_count", groups="sales_team.group_sale_salesman"
    )

    def _compute_crm_followup_plan_count(self):
        counts = dict(
            self.env["crm.standard.followup.plan"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.crm_followup_plan_count = counts.get(partner._origin, 0)

    def action_view_crm_followup_plans(self):
        return self._crm_records_action(
            "crm_standard.crm_standard_followup_plan_action", partner=self.commercial_partner_id
        )

"""Follow-up plans (跟进计划) on the customer: proposal on grade change, smart button."""

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

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

    def _crm_on_grade_changed(self, old_grade_by_partner_id):
        """Propose a follow-up plan for the new grade (the open plan is closed)."""
        res = super()._crm_on_grade_changed(old_grade_by_partner_id)
        self._crm_propose_followup_plans()
        return res

    def _crm_propose_followup_plans(self):
        """Extension point: propose the plans of the customers of ``self``.

        Skipped with the context key ``crm_skip_followup_plans``.
        """
        if self.env.context.get("crm_skip_followup_plans"):
            return self.env["crm.standard.followup.plan"]
        return self.env["crm.standard.followup.plan"].sudo()._crm_propose_for_partners(self)

    def action_view_crm_followup_plans(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_followup_plan_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

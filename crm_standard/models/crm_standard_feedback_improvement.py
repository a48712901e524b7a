from markupsafe import Markup

from odoo import Command, fields, models


class CrmStandardFeedback(models.Model):
    """The improvement actions that answer a feedback form (客户反馈 → 改进措施)."""

    _inherit = "crm.standard.feedback"

    improvement_ids = fields.Many2many(
        "crm.standard.improvement",
        "crm_standard_feedback_improvement_rel",
        "feedback_id",
        "improvement_id",
        "Improvement Actions",
    )
    improvement_count = fields.Integer(compute="_compute_improvement_count")

    def _compute_improvement_count(self):
        for feedback in self:
            feedback.improvement_count = len(feedback.improvement_ids)

    def action_crm_create_improvement(self):
        """A new improvement action answering the selected feedback (the form's
        button, or the list of the monthly summary with several rows selected)."""
        low = [
            self.env._("%(customer)s: %(text)s", customer=f.partner_id.name, text=f.suggestions)
            for f in self
            if f.suggestions
        ]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Improvement Action"),
            "res_model": "crm.standard.improvement",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_feedback_ids": [Command.set(self.ids)],
                "default_company_id": self[:1].company_id.id or self.env.company.id,
                # the suggestions, escaped: they come from the customer
                "default_description": Markup("<br/>").join(low) if low else False,
            },
        }

    def action_crm_view_improvements(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_improvement_action"
        )
        action["domain"] = [("feedback_ids", "in", self.ids)]
        action["context"] = {"default_feedback_ids": [Command.set(self.ids)]}
        return action

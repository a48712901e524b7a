from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmStandardRejectWizard(models.TransientModel):
    """One reason to reject several requests at once, from their list
    (Action > Reject, or the Reject button of a row)."""

    _name = "crm.standard.reject.wizard"
    _description = "Reject with a Reason"

    res_model = fields.Char(required=True, readonly=True)
    res_ids = fields.Json(required=True, readonly=True)
    record_count = fields.Integer(compute="_compute_record_count")
    comment = fields.Text("Reason", required=True)

    @api.model
    def _crm_comment_fields(self):
        """{model: the field its ``action_reject`` requires}. Extension point."""
        return {
            "crm.standard.change.request": "comment",
            "crm.standard.followup.plan": "review_comment",
            "crm.standard.grade.override": "review_comment",
        }

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        model = self.env.context.get("active_model")
        if model in self._crm_comment_fields():
            res.update(res_model=model, res_ids=self.env.context.get("active_ids") or [])
        return res

    @api.depends("res_ids")
    def _compute_record_count(self):
        for wizard in self:
            wizard.record_count = len(wizard.res_ids or [])

    def action_reject(self):
        self.ensure_one()
        field = self._crm_comment_fields().get(self.res_model)
        if not field or not self.res_ids:
            raise UserError(self.env._("Reject: select the requests to reject."))
        if not (self.comment or "").strip():
            raise UserError(self.env._("Reason: say why the requests are rejected."))
        records = self.env[self.res_model].browse(self.res_ids).exists()
        records.write({field: self.comment})
        records.action_reject()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(count)s rejected.", count=len(records)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

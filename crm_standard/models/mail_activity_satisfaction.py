from odoo import api, fields, models

from .crm_standard_satisfaction import SATISFACTION_SCORES


class MailActivity(models.Model):
    """The satisfaction result of a revisit, given in the activity's "mark done" dialog."""

    _inherit = "mail.activity"

    crm_is_revisit = fields.Boolean(
        compute="_compute_crm_is_revisit",
        help="A follow-up plan activity: its 'mark done' records a satisfaction result.",
    )
    crm_satisfaction = fields.Selection(SATISFACTION_SCORES, "Satisfaction Result")
    crm_satisfaction_comment = fields.Text("Satisfaction Comment")

    @api.depends("res_model", "res_id")
    def _compute_crm_is_revisit(self):
        reminders = (
            self._crm_followup_reminders()
            if self.ids
            else self.env["crm.standard.followup.reminder"]
        )
        revisit = set(reminders.activity_id.ids)
        for activity in self:
            activity.crm_is_revisit = activity.id in revisit

    def _action_done(self, feedback=False, attachment_ids=None):
        rated = self.filtered("crm_satisfaction")
        if rated:
            steps = {r.activity_id.id: r.step_id for r in rated._crm_followup_reminders()}
            values = []
            for activity in rated:
                if activity.res_model != "res.partner":
                    continue
                step = steps.get(activity.id)
                partner = self.env["res.partner"].browse(activity.res_id).commercial_partner_id
                values.append(
                    {
                        "partner_id": partner.id,
                        "company_id": (step.company_id.id if step else False)
                        or self.env.company.id,
                        "score": int(activity.crm_satisfaction),
                        "comment": activity.crm_satisfaction_comment,
                        "step_id": step.id if step else False,
                        "activity_summary": activity.summary or activity.activity_type_id.name,
                    }
                )
            # the salesperson may not create results by hand; the revisit records them
            self.env["crm.standard.satisfaction"].sudo().create(values)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

from odoo import models
from odoo.tools import SQL


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _crm_followup_reminders(self):
        return (
            self.env["crm.standard.followup.reminder"]
            .sudo()
            .search([("activity_id", "in", self.ids), ("state", "=", "open")])
        )

    def _action_done(self, feedback=False, attachment_ids=None):
        """A follow-up reminder marked done moves its step by the cadence and
        records the last contact date (hook of the activity feedback path)."""
        if self.ids:
            self._crm_followup_reminders()._crm_close(contacted=True)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def unlink(self):
        """A follow-up reminder deleted without being done skips its occurrence."""
        if self.ids:
            self._crm_followup_reminders()._crm_close(contacted=False)
        return super().unlink()

    def _crm_reassign(self, user):
        """Assign the activities of ``self`` to ``user``, set-based: one
        UPDATE, the new assignee follows the records (one subscription per
        model), one bus message per user. ``write`` would subscribe record by
        record and notify each assignment (handover of hundreds of customers).
        """
        if not self:
            return
        formers = self.user_id
        self.flush_recordset(["user_id"])
        self.env.cr.execute(
            SQL(
                "UPDATE mail_activity SET user_id = %s, write_uid = %s, "
                "write_date = now() at time zone 'UTC' WHERE id IN %s",
                user.id,
                self.env.uid,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["user_id", "write_uid", "write_date"])
        self.modified(["user_id"])
        for model, activities in self.grouped("res_model").items():
            records = self.env[model].sudo().browse(set(activities.mapped("res_id")))
            records.message_subscribe(partner_ids=user.partner_id.ids)
        user._bus_send("mail.activity/updated", {"activity_created": True})
        (formers - user)._bus_send("mail.activity/updated", {"activity_deleted": True})

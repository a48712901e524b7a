from odoo import models


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

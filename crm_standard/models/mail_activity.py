from odoo import models
from odoo.tools import SQL

# cursor cache key: the activities whose reminders _action_done closed
REMINDERS_CLOSED = "crm_standard.activity.reminders_closed"

# activity fields the partner visibility rule reads
LINK_FIELDS = ("res_model_id", "res_model", "res_id", "user_id", "active")


class MailActivity(models.Model):
    _name = "mail.activity"
    _inherit = ["mail.activity", "crm.standard.partner.link.mixin"]

    # an activity on a partner opens it to its assignee (issue 16, hole 2);
    # checked before the insert: Odoo checks the document's access after it
    _crm_link_fields = LINK_FIELDS

    def _crm_check_partner_links(self, vals_list):
        Partner = self.env["res.partner"]
        if not Partner._crm_user_is_restricted():
            return
        relink = not self or not {"res_model_id", "res_model", "res_id", "user_id"}.isdisjoint(
            vals_list[0]
        )
        models_by_id = {}
        links, grants = [], []
        for values in self._crm_values_after(vals_list, LINK_FIELDS):
            model_id = values["res_model_id"]
            if model_id and model_id not in models_by_id:
                models_by_id[model_id] = self.env["ir.model"].sudo().browse(model_id).model
            model = models_by_id.get(model_id) or values["res_model"]
            if model != "res.partner" or not values["res_id"]:
                continue
            partner = Partner.browse(values["res_id"])
            if relink:
                links.append(("res_id", partner))
            if values["active"] is not False and values["user_id"]:
                grants.append(("user_id", partner, self.env["res.users"].browse(values["user_id"])))
        Partner._crm_check_links(self, links, grants)

    def _crm_followup_reminders(self):
        return (
            self.env["crm.standard.followup.reminder"]
            .sudo()
            .search([("activity_id", "in", self.ids), ("state", "=", "open")])
        )

    def _action_done(self, feedback=False, attachment_ids=None):
        """A follow-up reminder marked done moves its step by the cadence and
        records the last contact date (hook of the activity feedback path)."""
        if not self.ids:
            return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        self._crm_followup_reminders()._crm_close(contacted=True)
        # Odoo unlinks the done activities: their reminders are not searched again
        closed = self.env.cr.cache.setdefault(REMINDERS_CLOSED, set())
        ids = set(self.ids) - closed
        closed |= ids
        try:
            return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        finally:
            closed -= ids

    def unlink(self):
        """A follow-up reminder deleted without being done skips its occurrence."""
        closed = self.env.cr.cache.get(REMINDERS_CLOSED) or ()
        dropped = self.browse([id_ for id_ in self.ids if id_ not in closed])
        if dropped:
            dropped._crm_followup_reminders()._crm_close(contacted=False)
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

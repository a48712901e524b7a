"""Handover of open follow-up plans when their customer changes salesperson
(see ``res.partner._crm_handover``)."""

from odoo import models


class CrmStandardFollowupPlan(models.Model):
    _inherit = "crm.standard.followup.plan"

    def _crm_handover_plans(self, previous):
        """The salesperson part of ``res.partner._crm_handover`` for the open
        plans of ``self``: each gets its customer's salesperson; open reminders
        and activities of the former salesperson follow. Returns the number
        of activities reassigned."""
        plans = self.sudo().with_context(tracking_disable=True)
        for user, batch in plans.grouped(lambda p: p.partner_id.user_id).items():
            batch.write({"user_id": user.id})
            former = batch.filtered(
                lambda p: p.account_manager_id.id == previous.get(p.partner_id.id)
            )
            if former:
                former.write({"account_manager_id": user.id})
        reminders = (
            self.env["crm.standard.followup.reminder"]
            .sudo()
            .search([("plan_id", "in", plans.ids), ("state", "=", "open")])
            .filtered(lambda r: r.user_id.id == previous.get(r.partner_id.id))
        )
        activities = self.env["mail.activity"]
        for user, batch in reminders.grouped(lambda r: r.partner_id.user_id).items():
            batch.write({"user_id": user.id})
            mine = batch.activity_id.filtered(
                lambda a: a.user_id.id == previous.get(a.res_id) and a.res_model == "res.partner"
            )
            if mine:
                mine._crm_reassign(user)
                activities |= mine
        return len(activities)

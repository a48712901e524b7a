"""Stage history of leads and opportunities, and the stage-change rules it fires."""

from odoo import api, fields, models
from odoo.tools import SQL


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_stage_history_ids = fields.One2many(
        "crm.standard.stage.history", "lead_id", string="Stage History"
    )

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._crm_record_stage_history(None)
        return leads

    def write(self, vals):
        tracked = {"stage_id", "active"}.intersection(vals)
        # one read of the leads before the write, for every lead at once
        before = (
            {lead.id: (lead.stage_id.id, lead.active, lead.date_last_stage_update) for lead in self}
            if tracked
            else None
        )
        res = super().write(vals)
        if before is not None:
            self._crm_record_stage_history(before)
        elif "lost_reason_id" in vals:
            # Odoo's "lost" archives first, then writes the reason
            self._crm_stage_history_set_lost_reason()
        return res

    def _crm_stage_history_kind(self, old_stage, old_active):
        """Kind of the transition of a lead from ``(old_stage, old_active)`` to
        its current state, or None when nothing the history records changed."""
        self.ensure_one()
        if old_active and not self.active:
            return "lost"
        if not old_active and self.active:
            return "restored"
        if old_stage != self.stage_id.id:
            return "won" if self.stage_id.is_won else "stage"
        return None

    def _crm_record_stage_history(self, before):
        """Store the stage changes of ``self`` (``before``: ``{lead id: (stage
        id, active, date of the last stage change)}``, None on create) in one
        INSERT, then fire the stage-change rules on them."""
        now = fields.Datetime.now()
        vals_list = []
        for lead in self:
            if before is None:
                kind, old_stage, entered = "create", False, None
            else:
                old_stage, old_active, entered = before[lead.id]
                kind = lead._crm_stage_history_kind(old_stage, old_active)
                if not kind:
                    continue
            seconds = None
            if kind in ("stage", "won") and entered:
                seconds = max(int((now - entered).total_seconds()), 0)
            vals_list.append(
                {
                    "lead_id": lead.id,
                    "company_id": lead.company_id.id,
                    "team_id": lead.team_id.id,
                    "user_id": lead.user_id.id,
                    "changed_by_id": self.env.uid,
                    "from_stage_id": old_stage or False,
                    "to_stage_id": lead.stage_id.id,
                    "date": now,
                    "kind": kind,
                    "lost_reason_id": lead.lost_reason_id.id if kind == "lost" else False,
                    "duration_seconds": seconds,
                    "expected_revenue": lead.expected_revenue,
                }
            )
        if not vals_list:
            return self.env["crm.standard.stage.history"]
        history = self.env["crm.standard.stage.history"].sudo().create(vals_list)
        self.env["crm.standard.stage.rule"].sudo()._crm_fire(history)
        return history

    def _crm_stage_history_set_lost_reason(self):
        lost = self.filtered(lambda lead: not lead.active and lead.lost_reason_id)
        if not lost:
            return
        self.flush_recordset(["lost_reason_id"])
        self.env["crm.standard.stage.history"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_standard_stage_history h
               SET lost_reason_id = l.lost_reason_id
              FROM crm_lead l
             WHERE l.id = h.lead_id AND h.lead_id IN %s AND h.kind = 'lost'
               AND h.lost_reason_id IS NULL
               AND h.id = (SELECT MAX(h2.id) FROM crm_standard_stage_history h2
                            WHERE h2.lead_id = h.lead_id)
            """,
                tuple(lost.ids),
            )
        )
        self.env["crm.standard.stage.history"].invalidate_model(["lost_reason_id"])

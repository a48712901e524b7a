from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmStandardFollowupPlanDecision(models.TransientModel):
    """Approve or reject many follow-up plans at once (sales managers).

    Opened from the plan list with the selected plans: shows how many will be
    decided and why the others are skipped, asks one confirmation (and one
    comment to reject), then decides them set-based and sends one digest per
    salesperson (``crm.standard.followup.plan._crm_bulk_decide``).
    """

    _name = "crm.standard.followup.plan.decision"
    _description = "Approve or Reject Follow-up Plans"

    plan_ids = fields.Many2many(
        "crm.standard.followup.plan",
        "crm_standard_followup_plan_decision_rel",
        "decision_id",
        "plan_id",
        string="Plans",
        default=lambda self: self._default_plan_ids(),
    )
    decision = fields.Selection(
        [("approve", "Approve"), ("reject", "Reject")], required=True, default="approve"
    )
    review_comment = fields.Text(help="Sent to the salespeople; required to reject.")
    ready_count = fields.Integer("Plans to Decide", compute="_compute_preview")
    skipped_count = fields.Integer("Plans Skipped", compute="_compute_preview")
    skipped_info = fields.Text("Skipped Because", compute="_compute_preview")

    @api.model
    def _default_plan_ids(self):
        if self.env.context.get("active_model") != "crm.standard.followup.plan":
            return False
        return [fields.Command.set(self.env.context.get("active_ids") or [])]

    @api.depends("plan_ids", "decision")
    def _compute_preview(self):
        for wizard in self:
            plans = wizard.plan_ids._origin
            ready, skipped = plans._crm_bulk_split(wizard.decision)
            wizard.ready_count = len(ready)
            wizard.skipped_count = len(plans) - len(ready)
            wizard.skipped_info = (
                "\n".join(f"{reason}: {len(items)}" for reason, items in skipped.items()) or False
            )

    def action_confirm(self):
        self.ensure_one()
        plans = self.plan_ids
        plans._crm_check_approver()
        if self.decision == "reject" and not (self.review_comment or "").strip():
            raise UserError(self.env._("Review Comment: say why the plans are rejected."))
        decided = plans._crm_bulk_decide(self.decision, self.review_comment)
        if not decided:
            raise UserError(
                self.env._(
                    "Plans: none of the %(count)s selected plans can be decided (see the "
                    "reasons shown).",
                    count=len(plans),
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": (
                    self.env._(
                        "%(count)s follow-up plans approved, %(skipped)s skipped.",
                        count=len(decided),
                        skipped=len(plans) - len(decided),
                    )
                    if self.decision == "approve"
                    else self.env._(
                        "%(count)s follow-up plans rejected, %(skipped)s skipped.",
                        count=len(decided),
                        skipped=len(plans) - len(decided),
                    )
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

NOTICE_STATES = [
    ("pending", "Pending"),
    ("done", "Sent"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
]
MAX_ATTEMPTS = 3


class CrmStandardStageNotice(models.Model):
    """What a stage-change rule sent, to whom, for which transition."""

    _name = "crm.standard.stage.notice"
    _description = "Stage-Change Notice"
    _order = "id desc"
    _rec_name = "rule_id"

    rule_id = fields.Many2one(
        "crm.standard.stage.rule", required=True, index=True, ondelete="cascade"
    )
    history_id = fields.Many2one(
        "crm.standard.stage.history", string="Transition", required=True, ondelete="cascade"
    )
    lead_id = fields.Many2one(related="history_id.lead_id", store=True, index=True)
    from_stage_id = fields.Many2one(related="history_id.from_stage_id")
    to_stage_id = fields.Many2one(related="history_id.to_stage_id")
    company_id = fields.Many2one(related="history_id.company_id", store=True)
    recipient_id = fields.Many2one("res.users", required=True)
    state = fields.Selection(NOTICE_STATES, default="pending", required=True, index=True)
    attempts = fields.Integer(default=0)
    message = fields.Text(help="Why the notice was skipped, or the error that made it fail.")
    activity_id = fields.Many2one("mail.activity", ondelete="set null")

    def _crm_summary(self):
        self.ensure_one()
        return self.rule_id.summary or self.env._(
            "%(lead)s moved from %(from)s to %(to)s",
            lead=self.lead_id.name,
            **{
                "from": self.from_stage_id.name or self.env._("(new)"),
                "to": self.to_stage_id.name,
            },
        )

    def _crm_deliver(self):
        """Deliver pending notices, rule by rule, each rule in a savepoint.

        A recipient who may not read the lead is skipped with the reason. A
        failing rule marks its notices failed (with the error, on the rule
        too); the scheduled action retries them at most ``MAX_ATTEMPTS`` times.
        """
        todo = self.filtered(lambda n: n.state in ("pending", "failed"))
        for recipient, mine in todo.grouped("recipient_id").items():
            readable = mine.lead_id.with_user(recipient)._filtered_access("read")
            blind = mine.filtered(lambda n, ok=readable: n.lead_id not in ok)
            blind.write(
                {
                    "state": "skipped",
                    "message": self.env._("%(user)s may not read this lead.", user=recipient.name),
                }
            )
            if blind:
                _logger.info(
                    "crm_standard: stage notices %s skipped: %s may not read the lead",
                    blind.ids,
                    recipient.login,
                )
        todo = todo.filtered(lambda n: n.state != "skipped")
        for rule, mine in todo.grouped("rule_id").items():
            try:
                with self.env.cr.savepoint():
                    getattr(rule, f"_crm_deliver_{rule.action}")(mine)
            except Exception as exc:  # noqa: BLE001 - a rule never blocks the stage move
                _logger.warning("crm_standard: stage rule %s failed: %s", rule.id, exc)
                error = str(exc)
                for notice in mine:
                    notice.write(
                        {"state": "failed", "message": error, "attempts": notice.attempts + 1}
                    )
                rule.last_error = error
            else:
                mine.write({"state": "done", "message": False})

    @api.model
    def _cron_crm_retry(self):
        """Retry failed notices (at most MAX_ATTEMPTS runs each)."""
        notices = self.search([("state", "=", "failed"), ("attempts", "<", MAX_ATTEMPTS)])
        notices._crm_deliver()
        self.env["ir.cron"]._notify_progress(done=len(notices), remaining=0)

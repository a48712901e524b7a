"""Bulk decisions on follow-up plans: a sales manager approves or rejects
thousands of proposals at once, with one digest per salesperson."""

from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import array_literal, lock_nowait
from ..tools.mail import log_tracking, selection_labels

# decidable in bulk: proposals (draft) and plans waiting for approval
BULK_STATES = ("draft", "submitted")
# plans listed in a digest; the others are counted
DIGEST_ROWS = 100


class CrmStandardFollowupPlan(models.Model):
    _inherit = "crm.standard.followup.plan"

    def action_crm_bulk_approve(self):
        """List button: open the decision wizard on the selected plans."""
        return self._crm_decision_action("approve")

    def action_crm_bulk_reject(self):
        return self._crm_decision_action("reject")

    def _crm_decision_action(self, decision):
        self._crm_check_approver()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Approve Plans")
            if decision == "approve"
            else self.env._("Reject Plans"),
            "res_model": "crm.standard.followup.plan.decision",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": self._name,
                "active_ids": self.ids,
                "default_decision": decision,
            },
        }

    def _crm_bulk_split(self, decision):
        """Split ``self`` for a bulk ``decision`` (``approve`` or ``reject``).

        Draft and submitted plans can be decided. To approve, a plan also
        needs steps, its dedicated account manager when its template asks for
        one, and a customer that follows no other submitted or approved plan
        (of several selected plans of one customer, the newest). A constant
        number of queries.

        :return: ``(plans to decide, {reason: skipped plans})``
        """
        skipped = defaultdict(self.browse)
        ready = self.filtered(lambda p: p.state in BULK_STATES)
        if self - ready:
            skipped[self.env._("not draft or submitted")] = self - ready
        if decision != "approve" or not ready:
            return ready, skipped
        for reason, plans in (
            (
                self.env._("no step"),
                # a proposal's steps are its template's until it is approved
                ready.filtered(
                    lambda p: not (p.template_id.step_ids if p.steps_pending else p.step_ids)
                ),
            ),
            (
                self.env._("account manager missing"),
                ready.filtered(lambda p: p.requires_account_manager and not p.account_manager_id),
            ),
        ):
            if plans:
                skipped[reason] |= plans
                ready -= plans
        busy = (
            self.sudo()
            .search(
                [
                    ("partner_id", "in", ready.partner_id.ids),
                    ("state", "in", ("submitted", "approved")),
                    ("id", "not in", ready.ids),
                ]
            )
            .partner_id
        )
        seen, others = set(), self.browse()
        for plan in ready.sorted("id", reverse=True):
            if plan.partner_id in busy or plan.partner_id.id in seen:
                others |= plan
            seen.add(plan.partner_id.id)
        if others:
            skipped[self.env._("the customer follows another plan")] = others
        return ready - others, skipped

    def _crm_bulk_decide(self, decision, comment=False):
        """Approve or reject the plans of ``self`` that can be (see
        :meth:`_crm_bulk_split`), set-based: one write, one batched chatter
        log (the state change and the comment, as internal notes: no
        notification per plan), one digest per salesperson.

        :return: the decided plans
        """
        self._crm_check_approver()
        # a customer's plans are decided by one manager at a time
        customers = self.partner_id
        if customers and (
            lock_nowait(
                self.env.cr,
                SQL(
                    "SELECT id FROM res_partner WHERE id = ANY(%s::int[]) "
                    "ORDER BY id FOR NO KEY UPDATE NOWAIT",
                    array_literal("int", customers.ids),
                ),
            )
            is None
        ):
            raise UserError(
                self.env._(
                    "Customers: plans of these customers are being changed by someone "
                    "else right now; try again in a moment."
                )
            )
        ready, _skipped = self._crm_bulk_split(decision)
        if not ready:
            return ready
        labels = selection_labels(self, "state")
        old_states = {plan.id: plan.state for plan in ready}
        vals = {
            "state": "approved" if decision == "approve" else "rejected",
            "approver_id": self.env.uid,
            "approval_date": fields.Datetime.now(),
        }
        if comment:
            vals["review_comment"] = comment
        ready.with_context(mail_notrack=True).write(vals)
        if decision == "approve":
            today = fields.Date.context_today(self)
            ready.step_ids.filtered(lambda s: not s.next_due_date and not s.done).write(
                {"next_due_date": today}
            )
        log_tracking(
            ready.sudo(),
            "state",
            {pid: (labels[old], labels[vals["state"]]) for pid, old in old_states.items()},
            dict.fromkeys(ready.ids, comment or ""),
        )
        ready._crm_send_decision_digests(decision, comment)
        return ready

    def _crm_send_decision_digests(self, decision, comment):
        """One message per salesperson listing their plans of ``self`` just
        approved or rejected (the first ``DIGEST_ROWS``, then a count).
        Extension point."""
        by_user = defaultdict(list)
        for plan in self:
            if plan.user_id:
                by_user[plan.user_id].append(plan)
        approver = self.env.user
        for user, plans in by_user.items():
            lang_env = self.with_context(lang=user.lang or self.env.lang).env
            rows = [
                {"customer": plan.partner_id.display_name, "plan": plan.name, "grade": plan.grade}
                for plan in plans[:DIGEST_ROWS]
            ]
            body = lang_env["ir.qweb"]._render(
                "crm_standard.followup_decision_digest",
                {
                    "user": user,
                    "approver": approver,
                    "approved": decision == "approve",
                    "comment": comment,
                    "rows": rows,
                    "more": len(plans) - len(rows),
                },
                minimal_qcontext=True,
            )
            subject = (
                lang_env._("Follow-up plans approved: %(count)s", count=len(plans))
                if decision == "approve"
                else lang_env._("Follow-up plans rejected: %(count)s", count=len(plans))
            )
            self.env["mail.thread"].sudo().message_notify(
                partner_ids=user.partner_id.ids,
                subject=subject,
                body=body,
                model_description=lang_env._("Follow-up Plan"),
            )

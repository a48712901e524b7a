"""Draft plans waiting without a salesperson (a proposal for a customer nobody
owns): the sales managers hear of each once, in one message per run."""

import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import array_literal, update_by_id
from ..tools.sql import CONCURRENCY_ERRORS

_logger = logging.getLogger(__name__)

# plans named in one message; the others are counted and found by the filter
NOTICE_ROWS = 50


class CrmStandardFollowupPlan(models.Model):
    _inherit = "crm.standard.followup.plan"

    crm_unassigned_notified = fields.Boolean(
        "Managers Notified",
        readonly=True,
        copy=False,
        help="The sales managers were told that this draft plan waits without a salesperson.",
    )

    def _crm_protected_fields(self):
        return {**super()._crm_protected_fields(), "crm_unassigned_notified": None}

    @api.model
    def _crm_unassigned_domain(self):
        """Draft plans without a salesperson nobody was told of. Extension point."""
        return [
            ("state", "=", "draft"),
            ("user_id", "=", False),
            ("crm_unassigned_notified", "=", False),
        ]

    def _crm_lock_unassigned(self):
        """The plans of ``self`` still waiting, locked; those another worker
        holds or has just notified (a newer version than this snapshot) are
        left to it."""
        if not self:
            return self
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """
                    SELECT id FROM crm_standard_followup_plan
                     WHERE id = ANY(%s::int[]) AND state = 'draft' AND user_id IS NULL
                       AND crm_unassigned_notified IS NOT TRUE
                     ORDER BY id
                       FOR NO KEY UPDATE SKIP LOCKED
                        """,
                        array_literal("int", self.ids),
                    )
                )
                return self.browse([row[0] for row in self.env.cr.fetchall()])
        except CONCURRENCY_ERRORS:
            return self.browse()

    @api.model
    def _cron_crm_notify_unassigned(self):
        """Daily: one message to the sales managers of each company listing its
        draft plans without a salesperson; each plan reported once. A company
        without sales manager keeps its plans for a later run; a failing
        company is logged and skipped."""
        Plan = self.sudo()
        plans = Plan.search(self._crm_unassigned_domain(), order="company_id, id")
        done = 0
        by_company = plans.grouped("company_id")
        for index, (company, company_plans) in enumerate(by_company.items()):
            try:
                with self.env.cr.savepoint():
                    done += company_plans._crm_notify_unassigned(company)
            except Exception:  # one company must not stop the others
                _logger.exception("Notice of unassigned plans failed for %s", company.name)
            self.env["ir.cron"]._notify_progress(
                done=index + 1, remaining=len(by_company) - index - 1
            )
        return done

    def _crm_notify_unassigned(self, company):
        """Tell ``company``'s sales managers of the plans of ``self`` in one
        message, then mark them. :return: the number of plans reported"""
        managers = self.env["res.users"]._crm_sales_managers(company)
        if not managers:
            return 0
        plans = self._crm_lock_unassigned()
        if not plans:
            return 0
        lang = managers[:1].lang or self.env.lang
        lang_self = plans.with_context(lang=lang)
        body = lang_self.env["ir.qweb"]._render(
            "crm_standard.followup_unassigned_notice",
            {
                "plans": lang_self[:NOTICE_ROWS],
                "more": max(len(plans) - NOTICE_ROWS, 0),
                "base_url": plans[:1].get_base_url(),
            },
            minimal_qcontext=True,
        )
        self.env["mail.thread"].sudo().message_notify(
            partner_ids=managers.partner_id.ids,
            subject=lang_self.env._(
                "Draft follow-up plans without salesperson: %(count)s", count=len(plans)
            ),
            body=body,
            model_description=lang_self.env._("Follow-up Plan"),
        )
        plans._crm_mark_unassigned_notified()
        return len(plans)

    def _crm_mark_unassigned_notified(self):
        # one UPDATE for the batch; a system flag, not a user's change
        update_by_id(self, {"crm_unassigned_notified": ("bool", [True] * len(self))})

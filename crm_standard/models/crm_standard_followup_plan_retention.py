"""Retention plans (挽留计划): follow-up plans proposed to customers entering
'at risk' (customer health), from the shipped "Retention" template.

They are a track of their own beside the plan of the customer's grade (one
open retention plan per customer, a grade change does not close it), are
approved like any plan (a sales manager's own proposal is approved at once),
close as *recovered* when the customer leaves 'at risk' and as *lost* when it
churns, and a cooldown follows each one. The salesperson and their manager get
one digest per run of the health scheduled action.
"""

from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import array_literal
from .crm_standard_followup_plan import OPEN_STATES

RETENTION_OUTCOMES = [("recovered", "Recovered"), ("lost", "Lost")]


class CrmStandardFollowupPlan(models.Model):
    _inherit = "crm.standard.followup.plan"

    crm_retention = fields.Boolean(
        "Retention Plan", readonly=True, copy=False, index=True, tracking=True
    )
    crm_retention_outcome = fields.Selection(
        RETENTION_OUTCOMES, "Retention Outcome", readonly=True, copy=False, tracking=True
    )
    crm_retention_rate = fields.Float(
        "Retention Rate (%)",
        compute="_compute_crm_retention_rate",
        store=True,
        aggregator="avg",
        help="100 for a recovered customer, 0 for a lost one: its average over the "
        "retention plans with an outcome is the retention rate.",
    )
    crm_retention_notified = fields.Boolean(readonly=True, copy=False)

    @api.depends("crm_retention_outcome")
    def _compute_crm_retention_rate(self):
        for plan in self:
            plan.crm_retention_rate = 100.0 if plan.crm_retention_outcome == "recovered" else 0.0

    @api.depends("partner_id", "grade", "crm_retention")
    def _compute_name(self):
        retention = self.filtered(lambda p: p.crm_retention and p.partner_id)
        for plan in retention:
            plan.name = self.env._("Retention: %(customer)s", customer=plan.partner_id.name)
        return super(CrmStandardFollowupPlan, self - retention)._compute_name()

    def _crm_track_domain(self):
        return [("crm_retention", "=", bool(self[:1].crm_retention))]

    def _crm_check_one_plan_per_customer(self):  # pylint: disable=missing-return
        # one check per track: the base search is limited to the batch's track
        retention = self.filtered("crm_retention")
        res = None
        for plans in (self - retention, retention):
            if plans:
                res = super(CrmStandardFollowupPlan, plans)._crm_check_one_plan_per_customer()
        return res

    # ---------------------------------------------------------------------
    # Propose / close
    # ---------------------------------------------------------------------
    @api.model
    def _crm_retention_template(self, company):
        """The retention template of ``company`` (its own, else a shared one)."""
        return self.env["crm.standard.followup.template"].search(
            [("crm_retention", "=", True), ("company_id", "in", [company.id, False])],
            order="company_id, sequence, id",
            limit=1,
        )

    @api.model
    def _crm_retention_blocked(self, partners):
        """Customers of ``partners`` with an open retention plan, or one ended
        within their company's cooldown (one search)."""
        today = fields.Date.context_today(self)
        companies = partners.company_id | self.env.company
        longest = max(companies.mapped("crm_health_cooldown_days") or [0])
        plans = self.search(
            [
                ("partner_id", "in", partners.ids),
                ("crm_retention", "=", True),
                "|",
                ("state", "in", OPEN_STATES),
                ("date_end", ">=", today - timedelta(days=longest)),
            ]
        )
        blocked = self.env["res.partner"]
        for plan in plans:
            company = plan.partner_id.company_id or self.env.company
            if plan.state in OPEN_STATES or (
                plan.date_end
                and plan.date_end >= today - timedelta(days=company.crm_health_cooldown_days)
            ):
                blocked |= plan.partner_id
        return blocked

    @api.model
    def _crm_retention_propose(self, partners, manager=None):
        """Propose one retention plan to each customer of ``partners`` that
        has none open nor in cooldown and has not churned. Submitted for
        approval, or approved at once when proposed by a sales manager
        (``manager``) or when the customer's salesperson is one. Set-based:
        a few searches and one create for the batch. Returns the plans."""
        partners = partners.filtered(
            lambda p: p.is_crm_customer and not p.parent_id and p.lifecycle_stage != "churned"
        )
        partners -= self._crm_retention_blocked(partners)
        if not partners:
            return self.browse()
        approver_group = self._crm_approver_group()
        templates = {}
        vals_list = []
        for partner in partners:
            company = partner.company_id or self.env.company
            if company not in templates:
                templates[company] = self._crm_retention_template(company)
            template = templates[company]
            if not template:
                continue
            leader = partner.user_id.sale_team_id.user_id
            vals_list.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "template_id": template.id,
                    "grade": partner.customer_grade,
                    "crm_retention": True,
                    "account_manager_id": (leader or partner.user_id).id,
                }
            )
        plans = self.with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True
        ).create(vals_list)
        now = fields.Datetime.now()
        by_approver = defaultdict(self.browse)
        managers = {}
        for plan in plans:
            approver = manager if manager and manager.has_group(approver_group) else None
            if not approver and plan.user_id:
                if plan.user_id not in managers:
                    managers[plan.user_id] = plan.user_id.has_group(approver_group)
                approver = plan.user_id if managers[plan.user_id] else None
            by_approver[approver] |= plan
        for approver, group in by_approver.items():
            vals = {"state": "submitted"}
            if approver:
                vals = {"state": "approved", "approver_id": approver.id, "approval_date": now}
            group.with_context(mail_notrack=True).write(vals)
        return plans

    @api.model
    def _crm_retention_close(self, partners, outcome):
        """Close the open retention plans of ``partners`` with ``outcome``
        (``recovered`` or ``lost``)."""
        plans = self.search(
            [
                ("partner_id", "in", partners.ids),
                ("crm_retention", "=", True),
                ("state", "in", OPEN_STATES),
            ]
        )
        if not plans:
            return plans
        reason = (
            self.env._("Recovered: the customer is no longer at risk")
            if outcome == "recovered"
            else self.env._("Lost: the customer churned")
        )
        plans._crm_close(reason)
        plans.with_context(mail_notrack=True).write({"crm_retention_outcome": outcome})
        return plans

    # ---------------------------------------------------------------------
    # Digest
    # ---------------------------------------------------------------------
    @api.model
    def _crm_retention_send_digests(self):
        """One message per salesperson and per manager listing the retention
        plans proposed since the last digest; each plan reported once. The
        plans are claimed ``FOR UPDATE SKIP LOCKED``: a second worker sends
        none of them again. Returns the number of messages."""
        self.env.flush_all()
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT id FROM crm_standard_followup_plan
                    WHERE crm_retention AND crm_retention_notified IS NOT TRUE
                    ORDER BY id FOR UPDATE SKIP LOCKED"""
                )
            )
        ]
        if not ids:
            return 0
        plans = self.browse(ids)
        by_user = defaultdict(self.browse)
        for plan in plans:
            for user in (
                plan.user_id,
                plan.user_id.sale_team_id.user_id,
                plan.approver_id,
            ):
                if user:
                    by_user[user] |= plan
        for user, user_plans in by_user.items():
            user_plans._crm_retention_send_digest(user)
        self.env.cr.execute(
            SQL(
                "UPDATE crm_standard_followup_plan SET crm_retention_notified = TRUE "
                "WHERE id = ANY(%s::int[])",
                array_literal("int", ids),
            )
        )
        plans.invalidate_recordset(["crm_retention_notified"])
        return len(by_user)

    def _crm_retention_send_digest(self, user):
        lang_self = self.with_context(lang=user.lang or self.env.lang)
        env = lang_self.env
        states = dict(self._fields["state"]._description_selection(env))
        rows = Markup("").join(
            Markup("<li>%s: %s (%s, %s)</li>")
            % (
                plan.partner_id.display_name,
                plan.partner_id.sudo().crm_health_score or "",
                states[plan.state],
                plan.user_id.name or "",
            )
            for plan in self
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            env._(
                "These customers entered 'at risk' (customer health); a retention plan "
                "was proposed for each (customer: health score, plan status, salesperson):"
            ),
            rows,
        )
        self.env["mail.thread"].sudo().message_notify(
            partner_ids=user.partner_id.ids,
            subject=env._("Customers at risk: %(count)s", count=len(self)),
            body=body,
            model_description=env._("Retention"),
        )

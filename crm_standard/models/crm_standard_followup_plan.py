from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import array_literal, check_protected_fields
from ..tools.mail import log_tracking, selection_labels
from .crm_standard_followup_template import TOUCH_PERIODS
from .crm_standard_grade_matrix import GRADES

PLAN_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
OPEN_STATES = ("draft", "submitted", "approved", "rejected")
# states whose content (fields, steps) anyone who may write the plan changes;
# in the others only a sales manager does (see _crm_check_editable)
EDITABLE_STATES = ("draft", "rejected")


class CrmStandardFollowupPlan(models.Model):
    """Follow-up plan (跟进计划) of one customer.

    Proposed from the template of the customer's grade when the grade changes
    (the previous plan is closed, not deleted) or created by hand. Draft ->
    submitted -> approved / rejected by a sales manager (with a comment) ->
    done / cancelled. Only approved plans produce reminders.
    """

    _name = "crm.standard.followup.plan"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Customer Follow-up Plan"
    _order = "id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    name = fields.Char(
        compute="_compute_name", store=True, readonly=False, required=True, precompute=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        index=True,
        tracking=True,
        ondelete="cascade",
        check_company=True,
        domain="[('is_crm_customer', '=', True), ('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        required=True,
    )
    template_id = fields.Many2one(
        "crm.standard.followup.template",
        tracking=True,
        check_company=True,
        index="btree_not_null",
    )
    grade = fields.Selection(GRADES, tracking=True, help="Grade the plan is made for.")
    customer_grade = fields.Selection(related="partner_id.customer_grade", string="Current Grade")
    state = fields.Selection(
        PLAN_STATES,
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
        group_expand="_group_expand_states",
    )
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
    )
    account_manager_id = fields.Many2one(
        "res.users",
        tracking=True,
        index="btree_not_null",
        domain="[('share', '=', False)]",
        help="Dedicated account manager: responsible of the steps assigned to the account manager.",
    )
    requires_account_manager = fields.Boolean(related="template_id.dedicated_account_manager")
    approver_id = fields.Many2one(
        "res.users",
        "Approved By",
        readonly=True,
        tracking=True,
        copy=False,
        help="Sales manager who approved or rejected the plan; gets the overdue digest.",
    )
    approval_date = fields.Datetime("Review Date", readonly=True, copy=False)
    review_comment = fields.Text(
        tracking=True, copy=False, help="Manager's comment; required to reject."
    )
    date_start = fields.Date(
        "Start Date", required=True, default=fields.Date.context_today, tracking=True
    )
    date_end = fields.Date("Closed On", readonly=True, copy=False)
    close_reason = fields.Char(readonly=True, copy=False, tracking=True)
    touch_limit = fields.Integer(
        tracking=True, help="At most this many reminders for the customer per period; 0: no limit."
    )
    touch_period = fields.Selection(TOUCH_PERIODS, default="month", required=True, tracking=True)
    step_ids = fields.One2many("crm.standard.followup.plan.step", "plan_id", "Steps", copy=True)
    reminder_ids = fields.One2many("crm.standard.followup.reminder", "plan_id", "Reminders")
    reminder_count = fields.Integer(compute="_compute_reminder_count")
    next_due_date = fields.Date(
        compute="_compute_step_dates", store=True, help="Earliest due date of the open steps."
    )
    last_contact_date = fields.Date(compute="_compute_step_dates", store=True)
    postponed_info = fields.Text(
        "Postponed",
        compute="_compute_postponed_info",
        help="Steps postponed by the touch limit, and why.",
    )
    reminder_error = fields.Text(
        readonly=True, copy=False, help="Last error of the reminder scheduled action."
    )
    reminder_error_date = fields.Date(
        readonly=True, copy=False, help="The plan is skipped by the reminders until the next day."
    )

    _sql_constraints = [
        (
            "touch_limit_positive",
            "CHECK(touch_limit >= 0)",
            "Touch Limit: the limit cannot be negative.",
        ),
    ]

    @api.depends("partner_id", "grade")
    def _compute_name(self):
        for plan in self:
            if plan.partner_id:
                plan.name = self._crm_plan_name(plan.partner_id.name, plan.grade)
            elif not plan.name:
                plan.name = self.env._("New follow-up plan")

    @api.model
    def _crm_plan_name(self, customer_name, grade):
        """Default name of the plan of a customer (and grade)."""
        if grade:
            return self.env._(
                "Follow-up %(customer)s (%(grade)s)", customer=customer_name, grade=grade
            )
        return self.env._("Follow-up %(customer)s", customer=customer_name)

    @api.depends("partner_id")
    def _compute_company_id(self):
        for plan in self:
            plan.company_id = plan.partner_id.company_id or plan.company_id or self.env.company

    @api.depends("partner_id")
    def _compute_user_id(self):
        for plan in self:
            plan.user_id = plan.partner_id.user_id or plan.user_id

    @api.depends("step_ids.next_due_date", "step_ids.done", "step_ids.last_contact_date")
    def _compute_step_dates(self):
        for plan in self:
            due = [s.next_due_date for s in plan.step_ids if s.next_due_date and not s.done]
            contacts = [s.last_contact_date for s in plan.step_ids if s.last_contact_date]
            plan.next_due_date = min(due) if due else False
            plan.last_contact_date = max(contacts) if contacts else False

    @api.depends("step_ids.postponed_reason")
    def _compute_postponed_info(self):
        for plan in self:
            plan.postponed_info = (
                "\n".join(
                    f"{step.name}: {step.postponed_reason}"
                    for step in plan.step_ids
                    if step.postponed_reason
                )
                or False
            )

    def _compute_reminder_count(self):
        counts = dict(
            self.env["crm.standard.followup.reminder"]._read_group(
                [("plan_id", "in", self.ids)], ["plan_id"], ["__count"]
            )
        )
        for plan in self:
            plan.reminder_count = counts.get(plan._origin, 0)

    @api.model
    def _group_expand_states(self, states, domain):
        return [key for key, _label in PLAN_STATES]

    @api.onchange("template_id")
    def _onchange_template_id(self):
        if self.template_id:
            self.touch_limit = self.template_id.touch_limit
            self.touch_period = self.template_id.touch_period
            self.grade = self.template_id.grade

    # ---------------------------------------------------------------------
    # Roles
    # ---------------------------------------------------------------------
    @api.model
    def _crm_approver_group(self):
        """Xml id of the group that approves plans; override to change it."""
        return "sales_team.group_sale_manager"

    def _crm_check_approver(self):
        if self.env.su or self.env.user.has_group(self._crm_approver_group()):
            return
        raise AccessError(
            self.env._("Approval: only a sales manager can approve or reject a follow-up plan.")
        )

    @api.model
    def _crm_protected_fields(self):
        """``{field: group or None}``: the status and what the workflow stamps
        move only through the buttons (Submit, Approve, Reject, Reset to
        Draft, Done, Cancel) or the system; the review comment is the
        approver's (see ``tools/protected.py``). Extension point."""
        return {
            **dict.fromkeys(
                [
                    "state",
                    "approver_id",
                    "approval_date",
                    "date_end",
                    "close_reason",
                    "next_due_date",
                    "last_contact_date",
                    "reminder_error",
                    "reminder_error_date",
                ]
            ),
            "review_comment": self._crm_approver_group(),
        }

    @api.model
    def _crm_locked_fields(self):
        """Plan fields the approval covers: once the plan is submitted, only a
        sales manager changes them (the steps too). Extension point."""
        return {
            "partner_id",
            "company_id",
            "template_id",
            "grade",
            "user_id",
            "account_manager_id",
            "date_start",
            "touch_limit",
            "touch_period",
            "step_ids",
        }

    def _crm_check_editable(self, fnames):
        """Refuse a change of ``fnames`` (plan fields, ``step_ids`` for the
        steps) on the plans of ``self`` that are neither draft nor rejected,
        unless made by an approver or a system path (sudo, e.g. the reminder
        hooks): an approved plan must not change without a new approval."""
        if self.env.su or self.env.user.has_group(self._crm_approver_group()):
            return
        locked = self.filtered(lambda p: p.state not in EDITABLE_STATES)
        if locked:
            plan = locked[0]
            raise UserError(
                self.env._(
                    "%(fields)s: %(plan)s is %(state)s; only draft or rejected plans can be "
                    "changed, except by a sales manager (an approved plan changes only with "
                    "a new approval).",
                    fields=", ".join(
                        self._fields[fname]._description_string(self.env) for fname in fnames
                    ),
                    plan=plan.display_name,
                    state=dict(self._fields["state"]._description_selection(self.env))[plan.state],
                )
            )

    # ---------------------------------------------------------------------
    # ORM
    # ---------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list, create=True)
        self._crm_check_partner_field(vals_list)
        templates = self.env["crm.standard.followup.template"].browse(
            {vals["template_id"] for vals in vals_list if vals.get("template_id")}
        )
        by_id = {template.id: template for template in templates}
        for vals in vals_list:
            template = by_id.get(vals.get("template_id"))
            if template:
                vals.setdefault("touch_limit", template.touch_limit)
                vals.setdefault("touch_period", template.touch_period)
                vals.setdefault("grade", template.grade)
        plans = super().create(vals_list)
        plans.filtered(lambda p: p.template_id and not p.step_ids)._crm_apply_template()
        return plans

    def write(self, vals):
        check_protected_fields(self, [vals])
        if vals.get("partner_id"):
            self._crm_check_partner_field([vals])
        locked = sorted(self._crm_locked_fields().intersection(vals))
        if locked:
            self._crm_check_editable(locked)
        leaving = {}
        if "state" in vals:
            leaving = {
                state: self.filtered(lambda p, s=state: p.state == s and vals["state"] != s)
                for state in ("approved", "submitted")
            }
        res = super().write(vals)
        if leaving.get("approved"):
            leaving["approved"]._crm_drop_reminders()
        if leaving.get("submitted"):
            # the team leader's review is no longer needed
            leaving["submitted"].activity_unlink(["mail.mail_activity_data_todo"])
        return res

    def _crm_drop_reminders(self):
        """Drop the open reminders of ``self``, plans no longer approved
        (closed, cancelled): their activities leave the to-do lists and the
        reminders are dropped (``mail.activity.unlink`` closes them), so the
        overdue digest does not report them. Set-based."""
        reminders = (
            self.env["crm.standard.followup.reminder"]
            .sudo()
            .search([("plan_id", "in", self.ids), ("state", "=", "open")])
        )
        reminders.activity_id.unlink()
        # open reminders whose activity was already gone
        reminders._crm_close(contacted=False)

    # ---------------------------------------------------------------------
    # Template -> plan
    # ---------------------------------------------------------------------
    def _crm_apply_template(self):
        """Copy the template's steps into the plans of ``self`` (one create)."""
        step_vals = []
        for plan in self:
            step_vals += [
                step._crm_prepare_plan_step_values(plan) for step in plan.template_id.step_ids
            ]
        self.env["crm.standard.followup.plan.step"].create(step_vals)

    def _crm_close(self, reason):
        """Close open plans: approved ones become done, the others cancelled;
        open reminders (approved plans) and review to-dos (submitted plans)
        are dropped, as ``write`` does.

        Set-based for the mass regrade (thousands of plans): one ``UPDATE``
        of the plans (rows locked, so a plan another transaction just closed
        is not closed twice), one of their steps' status, one batched chatter
        log with the state tracking values (constant queries whatever the
        number of plans).
        """
        if not self:
            return
        if not self.env.su:
            self.check_access("write")  # the UPDATE below bypasses the ORM
        self.flush_model()
        self.env["crm.standard.followup.plan.step"].flush_model(["plan_state"])
        self.env.cr.execute(
            SQL(
                """
            WITH old AS (
                SELECT id, state FROM crm_standard_followup_plan
                 WHERE id = ANY(%(ids)s::int[]) AND state IN %(open)s
                 ORDER BY id
                   FOR NO KEY UPDATE)
            UPDATE crm_standard_followup_plan p
               SET state = CASE WHEN old.state = 'approved' THEN 'done' ELSE 'cancelled' END,
                   date_end = %(today)s, close_reason = %(reason)s,
                   write_uid = %(uid)s, write_date = (now() at time zone 'UTC')
              FROM old
             WHERE p.id = old.id
         RETURNING p.id, old.state, p.state, old.state = 'draft' AND p.steps_pending
            """,
                ids=array_literal("int", self.ids),
                open=OPEN_STATES,
                today=fields.Date.context_today(self),
                reason=reason,
                uid=self.env.uid,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return
        closed = self.browse([row[0] for row in rows])
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_standard_followup_plan_step s
               SET plan_state = p.state
              FROM crm_standard_followup_plan p
             WHERE p.id = s.plan_id AND s.plan_id = ANY(%(ids)s::int[])
            """,
                ids=array_literal("int", closed.ids),
            )
        )
        closed.invalidate_recordset(
            ["state", "date_end", "close_reason", "write_uid", "write_date"]
        )
        self.env["crm.standard.followup.plan.step"].invalidate_model(["plan_state"])
        old_states = {pid: old for pid, old, _new, _untouched in rows}
        closed.filtered(lambda p: old_states[p.id] == "approved")._crm_drop_reminders()
        # the team leader's review is no longer needed
        closed.filtered(lambda p: old_states[p.id] == "submitted").activity_unlink(
            ["mail.mail_activity_data_todo"]
        )
        # a proposal nobody opened yet is cancelled silently, as it was made
        # (its close reason and date say why and when)
        labels = selection_labels(self, "state")
        log_tracking(
            closed,
            "state",
            {pid: (labels[old], labels[new]) for pid, old, new, untouched in rows if not untouched},
            dict.fromkeys(closed.ids, reason),
        )

    # ---------------------------------------------------------------------
    # Workflow
    # ---------------------------------------------------------------------
    def _crm_write_state(self, vals):
        """Write the workflow fields ``vals`` of the plans of ``self`` the
        current user may write (system-set fields: ``_crm_protected_fields``),
        once the button's own checks passed."""
        self.check_access("write")
        self.sudo().write(vals)

    def _crm_check_state(self, allowed, action):
        for plan in self:
            if plan.state not in allowed:
                raise UserError(
                    self.env._(
                        "Status: %(plan)s is %(state)s; %(action)s needs one of: %(allowed)s.",
                        plan=plan.display_name,
                        state=dict(PLAN_STATES)[plan.state],
                        action=action,
                        allowed=", ".join(dict(PLAN_STATES)[s] for s in allowed),
                    )
                )

    def _crm_track_domain(self):
        """Domain of the plans on the same track as ``self`` (one track per
        batch): a customer follows one plan per track. Extension point; the
        retention plans are a track of their own (crm_standard_followup_plan_retention)."""
        return []

    def _crm_check_one_plan_per_customer(self):
        """A customer follows one plan at a time: refuse to submit or approve
        ``self`` when another plan of the same customer is submitted or
        approved (e.g. a plan cancelled by a grade change and reset beside
        the plan of the new grade: reminders would come twice)."""
        others = self.sudo().search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("state", "in", ("submitted", "approved")),
                ("id", "not in", self.ids),
                *self._crm_track_domain(),
            ]
        )
        for plan in self:
            other = (others | (self - plan)).filtered(
                lambda o, p=plan: o.partner_id == p.partner_id
            )
            if other:
                other = other[0]
                raise UserError(
                    self.env._(
                        "Status: %(other)s of the same customer is %(state)s; a customer "
                        "follows one plan at a time, so %(plan)s cannot be submitted or "
                        "approved until it is closed.",
                        other=other.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            other.state
                        ],
                        plan=plan.display_name,
                    )
                )

    def _crm_lock_customers(self):
        """Lock the customers of ``self`` for a submission or an approval.

        A plan of one of them being submitted or approved by another
        transaction at this moment: a ``UserError`` at once, never two plans
        (a transaction advisory lock per customer that only these decisions
        take). Anything else holding a customer's row (a user saving the
        customer, a cron batch) is waited for, not refused. The rows are then
        updated, not only locked: a transaction whose snapshot is older than a
        change of them (another plan approved since it began) fails with a
        serialization failure, which Odoo retries with a fresh snapshot, where
        ``_crm_check_one_plan_per_customer`` sees the other plan."""
        ids = sorted(self.partner_id.ids)
        busy = self.env.execute_query(
            SQL(
                "SELECT count(*) FILTER (WHERE NOT pg_try_advisory_xact_lock("
                "hashtext('crm.standard.followup.plan'), id)) FROM unnest(%s::int[]) id",
                ids,
            )
        )[0][0]
        if busy:
            raise UserError(
                self.env._(
                    "Status: another plan of %(customers)s is being submitted or approved at "
                    "this moment; "
                    "a customer follows one plan at a time. Reload and try again.",
                    customers=", ".join(self.partner_id.mapped("display_name")),
                )
            )
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                tuple(ids),
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET write_date = write_date WHERE id IN %s",
                tuple(ids),
            )
        )

    def action_submit(self):
        self._crm_check_state(("draft",), self.env._("submitting"))
        self._crm_lock_customers()
        self._crm_check_one_plan_per_customer()
        for plan in self:
            if not plan.step_ids:
                raise UserError(
                    self.env._("Steps: %(plan)s has no step to submit.", plan=plan.display_name)
                )
            if not plan.user_id:
                # a plan proposed for a customer nobody owns (public pool)
                raise UserError(
                    self.env._(
                        "Salesperson: %(plan)s has no salesperson to carry out its steps; "
                        "set one before submitting.",
                        plan=plan.display_name,
                    )
                )
            if plan.requires_account_manager and not plan.account_manager_id:
                raise UserError(
                    self.env._(
                        "Account Manager: %(plan)s follows a template with a dedicated account "
                        "manager; set the account manager before submitting.",
                        plan=plan.display_name,
                    )
                )
        self._crm_write_state({"state": "submitted"})
        self._crm_notify_approvers()
        return True

    def _crm_notify_approvers(self):
        """Schedule a review activity for the approvers of each plan.

        Extension point; by default the salesperson's sales team leader, or
        the sales managers of the plan's company when the team has no leader
        (see ``_crm_approvers``).
        """
        for plan in self:
            for approver in plan._crm_approvers():
                plan.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=approver.id,
                    summary=self.env._("Review follow-up plan"),
                )

    def _crm_approvers(self):
        """Who reviews the plan: the salesperson's team leader, else the
        sales managers of its company, so that a request never reaches nobody."""
        self.ensure_one()
        return self.env["res.users"]._crm_approvers_of(self.user_id, self.company_id)

    def action_approve(self):
        self._crm_check_approver()
        self._crm_check_state(("submitted",), self.env._("approving"))
        self._crm_lock_customers()
        self._crm_check_one_plan_per_customer()
        self._crm_write_state(
            {
                "state": "approved",
                "approver_id": self.env.uid,
                "approval_date": fields.Datetime.now(),
            }
        )
        today = fields.Date.context_today(self)
        self.step_ids.filtered(lambda s: not s.next_due_date and not s.done).write(
            {"next_due_date": today}
        )
        return True

    def action_reject(self):
        self._crm_check_approver()
        self._crm_check_state(("submitted",), self.env._("rejecting"))
        for plan in self:
            if not (plan.review_comment or "").strip():
                raise UserError(
                    self.env._(
                        "Review Comment: say why %(plan)s is rejected.", plan=plan.display_name
                    )
                )
        self._crm_write_state(
            {
                "state": "rejected",
                "approver_id": self.env.uid,
                "approval_date": fields.Datetime.now(),
            }
        )
        return True

    def action_reset_draft(self):
        self._crm_check_state(
            ("rejected", "submitted", "cancelled"), self.env._("resetting to draft")
        )
        self._crm_write_state(
            {
                "state": "draft",
                "approver_id": False,
                "approval_date": False,
                "date_end": False,
                "close_reason": False,
            }
        )
        return True

    def action_done(self):
        self._crm_check_state(("approved",), self.env._("closing"))
        self.check_access("write")
        self._crm_close(self.env._("Closed by hand"))
        return True

    def action_cancel(self):
        self._crm_check_state(OPEN_STATES, self.env._("cancelling"))
        self._crm_write_state(
            {
                "state": "cancelled",
                "date_end": fields.Date.context_today(self),
                "close_reason": self.env._("Cancelled by hand"),
            }
        )
        return True

    def action_view_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_followup_reminder_action"
        )
        action["domain"] = [("plan_id", "=", self.id)]
        return action

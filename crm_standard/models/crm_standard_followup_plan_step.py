from odoo import api, fields, models

from .crm_standard_followup_template_step import (
    CADENCE_UNITS,
    CHANNELS,
    RESPONSIBLE_MODES,
    cadence_delta,
)


def step_responsible(mode, fixed_user, account_manager, salesperson):
    """Default rule of a step's responsible (users or user ids alike): the
    fixed user, the plan's account manager (else its salesperson), or the
    plan's salesperson."""
    if mode == "fixed":
        return fixed_user
    if mode == "account_manager":
        return account_manager or salesperson
    return salesperson


class CrmStandardFollowupPlanStep(models.Model):
    """A step of a customer's follow-up plan: recurring (cadence) or one-off.

    ``next_due_date`` is when the next reminder is due; the reminder cron
    (:meth:`crm.standard.followup.reminder._cron_crm_send_reminders`) turns
    due steps of approved plans into activities and links the open one in
    ``activity_id``; marking that activity done moves ``next_due_date`` by the
    cadence (or closes a one-off step) and records ``last_contact_date``.
    """

    _name = "crm.standard.followup.plan.step"
    _description = "Follow-up Plan Step"
    _order = "plan_id, sequence, id"
    _check_company_auto = True

    plan_id = fields.Many2one(
        "crm.standard.followup.plan", required=True, ondelete="cascade", index=True
    )
    # precomputed: a batch of steps is one INSERT, not an INSERT and an UPDATE
    company_id = fields.Many2one(
        related="plan_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        related="plan_id.partner_id", store=True, index=True, string="Customer", precompute=True
    )
    plan_state = fields.Selection(
        related="plan_id.state", store=True, string="Plan Status", precompute=True
    )
    template_step_id = fields.Many2one("crm.standard.followup.template.step", ondelete="set null")
    sequence = fields.Integer(default=10)
    name = fields.Char("Summary", required=True)
    note = fields.Html()
    channel = fields.Selection(CHANNELS, required=True, default="call")
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        required=True,
        ondelete="restrict",
        compute="_compute_activity_type_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    responsible_mode = fields.Selection(
        RESPONSIBLE_MODES, "Responsible Type", required=True, default="salesperson"
    )
    responsible_id = fields.Many2one("res.users", "Fixed User", domain="[('share', '=', False)]")
    user_id = fields.Many2one(
        "res.users",
        "Responsible",
        compute="_compute_user_id",
        store=True,
        precompute=True,
        index=True,
        help="Who gets the reminders: the customer's salesperson, the plan's "
        "account manager or the fixed user.",
    )
    cadence_count = fields.Integer("Every", default=1)
    cadence_unit = fields.Selection(CADENCE_UNITS, "Cadence", required=True, default="months")
    next_due_date = fields.Date(index=True, copy=False)
    last_contact_date = fields.Date(readonly=True, copy=False)
    done = fields.Boolean(readonly=True, copy=False, help="A one-off step that was carried out.")
    activity_id = fields.Many2one(
        "mail.activity",
        "Open Reminder",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
    )
    postponed_reason = fields.Char("Postponed Because", readonly=True, copy=False)

    _sql_constraints = [
        (
            "cadence_positive",
            "CHECK(cadence_unit = 'once' OR cadence_count > 0)",
            "Cadence: a recurring step repeats every 1 or more days, weeks or months.",
        ),
    ]

    # ---------------------------------------------------------------------
    # ORM: the steps of a submitted or approved plan are fixed (the
    # reminder cron writes them in SQL, the activity hooks sudo)
    # ---------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        plans = self.env["crm.standard.followup.plan"].browse(
            {vals["plan_id"] for vals in vals_list if vals.get("plan_id")}
        )
        plans._crm_check_editable(["step_ids"])
        # a proposal gets its template's steps first
        plans._crm_materialize_steps()
        return super().create(vals_list)

    def write(self, vals):
        plans = self.plan_id
        if vals.get("plan_id"):
            plans |= plans.browse(vals["plan_id"])
        plans._crm_check_editable(["step_ids"])
        return super().write(vals)

    def unlink(self):
        # exists(): steps already deleted with their plan (uninstall, cascade)
        self.exists().plan_id._crm_check_editable(["step_ids"])
        return super().unlink()

    @api.depends("channel")
    def _compute_activity_type_id(self):
        Step = self.env["crm.standard.followup.template.step"]
        for step in self:
            step.activity_type_id = (
                Step._crm_channel_activity_type(step.channel) or step.activity_type_id
            )

    @api.depends(
        "responsible_mode", "responsible_id", "plan_id.user_id", "plan_id.account_manager_id"
    )
    def _compute_user_id(self):
        for step in self:
            step.user_id = step._crm_responsible()

    def _crm_responsible(self):
        """The user who gets this step's reminders; override to change the rule
        (the set-based proposals then recompute ``user_id`` with it)."""
        self.ensure_one()
        plan = self.plan_id
        return step_responsible(
            self.responsible_mode, self.responsible_id, plan.account_manager_id, plan.user_id
        )

    def _crm_next_due(self, due, after):
        """Next due date from ``due`` by the cadence, the first one after ``after``.

        Keeps the rhythm (same day of the month) and skips missed periods.
        ``False`` for a one-off step.
        """
        self.ensure_one()
        delta = cadence_delta(self.cadence_count, self.cadence_unit)
        if not delta:
            return False
        nxt = due + delta
        while nxt <= after:
            nxt += delta
        return nxt

    def _crm_advance(self, date_done, contacted=True):
        """The open reminder is closed: move to the next due date.

        :param date_done: when it was done (or dropped)
        :param contacted: done (record the contact) or dropped (skip the occurrence)
        """
        for step in self:
            vals = {"activity_id": False, "postponed_reason": False}
            if contacted:
                vals["last_contact_date"] = date_done
            nxt = step._crm_next_due(step.next_due_date or date_done, date_done)
            if nxt:
                vals["next_due_date"] = nxt
            else:
                vals["done"] = True
            step.write(vals)

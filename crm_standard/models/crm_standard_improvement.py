from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import check_protected_fields

IMPROVEMENT_STATES = [
    ("draft", "Draft"),
    ("in_progress", "In Progress"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
OPEN_STATES = ("draft", "in_progress")
# the owner's reminder, due on the deadline (its own type: found without a summary)
ACTIVITY_TYPE = "crm_standard.mail_activity_type_improvement"
# what only a sales or service manager changes; the owner moves the status
MANAGER_FIELDS = ("user_id", "date_deadline", "feedback_ids", "company_id")
MANAGER_GROUPS = (
    "sales_team.group_sale_manager",
    "crm_standard.group_crm_standard_service_manager",
)


class CrmStandardImprovement(models.Model):
    """An improvement action (改进措施) answering customer feedback: an owner, a
    deadline and a status, tracked until done (step 6 of the service process)."""

    _name = "crm.standard.improvement"
    _description = "Improvement Action"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_deadline, id desc"
    _check_company_auto = True

    name = fields.Char("Action", required=True, tracking=True)
    description = fields.Html()
    user_id = fields.Many2one(
        "res.users",
        "Owner",
        required=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        tracking=True,
        index=True,
    )
    date_deadline = fields.Date("Deadline", required=True, tracking=True, index=True)
    state = fields.Selection(
        IMPROVEMENT_STATES,
        "Status",
        default="draft",
        required=True,
        copy=False,
        tracking=True,
        index=True,
        group_expand=True,
    )
    date_done = fields.Date("Done On", copy=False, readonly=True)
    result = fields.Text(help="What was changed; required to close the action.")
    feedback_ids = fields.Many2many(
        "crm.standard.feedback",
        "crm_standard_feedback_improvement_rel",
        "improvement_id",
        "feedback_id",
        "Feedback Answered",
        check_company=True,
    )
    partner_ids = fields.Many2many(
        "res.partner",
        compute="_compute_partner_ids",
        search="_search_partner_ids",
        string="Customers",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    is_overdue = fields.Boolean(compute="_compute_is_overdue", search="_search_is_overdue")

    @api.depends("feedback_ids.partner_id")
    def _compute_partner_ids(self):
        for action in self:
            action.partner_ids = action.feedback_ids.partner_id

    def _search_partner_ids(self, operator, value):
        return [("feedback_ids.partner_id", operator, value)]

    @api.depends("state", "date_deadline")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for action in self:
            action.is_overdue = bool(
                action.state in OPEN_STATES
                and action.date_deadline
                and action.date_deadline < today
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Overdue: unsupported search %(op)s.", op=operator))
        overdue = [
            ("state", "in", OPEN_STATES),
            ("date_deadline", "<", fields.Date.context_today(self)),
        ]
        return overdue if (operator == "=") == value else ["!", *overdue]

    # -- the owner's activity -------------------------------------------------
    def _crm_sync_activity(self):
        """One activity for the owner, due on the deadline, while the action is open;
        marked done with the result when the action is done, removed when cancelled."""
        activity_type = self.env.ref(ACTIVITY_TYPE)
        for action in self:
            if action.state == "done":
                action.activity_feedback([ACTIVITY_TYPE], feedback=action.result)
                continue
            if action.state == "cancelled":
                action.activity_unlink([ACTIVITY_TYPE])
                continue
            values = {
                "date_deadline": action.date_deadline,
                "summary": action.name,
                "user_id": action.user_id.id,
            }
            mine = action.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
            if mine:
                mine.write(values)
            else:
                action.activity_schedule(ACTIVITY_TYPE, **values)

    @api.model
    def _crm_protected_fields(self):
        """System-set fields (``tools.check_protected_fields``). Extension point."""
        return {"date_done": None}

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list, create=True)
        actions = super().create(vals_list)
        actions._crm_sync_activity()
        return actions

    def write(self, vals):
        changed = [fname for fname in MANAGER_FIELDS if fname in vals]
        if changed and not self.env.su and not any(map(self.env.user.has_group, MANAGER_GROUPS)):
            raise UserError(
                self.env._(
                    "%(field)s: only a sales or service manager changes the owner, the "
                    "deadline or the feedback of an improvement action.",
                    field=self._fields[changed[0]].get_description(self.env)["string"],
                )
            )
        check_protected_fields(self, [vals])
        if "state" in vals:
            # the buttons and the kanban's drag between status columns alike
            if vals["state"] != "done":
                vals = {**vals, "date_done": False}
            elif any(action.state != "done" for action in self):
                vals = {**vals, "date_done": fields.Date.context_today(self)}
        result = super().write(vals)
        if {"name", "user_id", "date_deadline", "state"} & set(vals):
            self._crm_sync_activity()
        return result

    # -- rules ----------------------------------------------------------------
    def _crm_check_result(self):
        for action in self:
            if not (action.result or "").strip():
                raise ValidationError(
                    self.env._(
                        "Result: say what was changed before closing the improvement "
                        "action '%(name)s'.",
                        name=action.name,
                    )
                )

    @api.constrains("state", "result")
    def _check_result_when_done(self):
        self.filtered(lambda a: a.state == "done")._crm_check_result()

    @api.constrains("user_id", "company_id")
    def _check_owner_company(self):
        for action in self:
            if action.user_id.share or action.company_id not in action.user_id.company_ids:
                raise ValidationError(
                    self.env._(
                        "Owner: %(user)s is not an internal user of %(company)s.",
                        user=action.user_id.name,
                        company=action.company_id.name,
                    )
                )

    # -- buttons --------------------------------------------------------------
    def _crm_check_state(self, allowed, target):
        wrong = self.filtered(lambda a: a.state not in allowed)
        if wrong:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Status: '%(name)s' is %(state)s and cannot become %(target)s.",
                    name=wrong[0].name,
                    state=labels[wrong[0].state],
                    target=labels[target],
                )
            )

    def action_crm_start(self):
        self._crm_check_state(("draft",), "in_progress")
        self.write({"state": "in_progress"})

    def action_crm_done(self):
        self._crm_check_state(OPEN_STATES, "done")
        self._crm_check_result()  # before the write: the form keeps its status
        self.write({"state": "done"})

    def action_crm_cancel(self):
        self._crm_check_state(OPEN_STATES, "cancelled")
        self.write({"state": "cancelled"})

    def action_crm_reset(self):
        self._crm_check_state(("done", "cancelled"), "draft")
        self.write({"state": "draft"})

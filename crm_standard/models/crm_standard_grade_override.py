from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import check_protected_fields
from .crm_standard_grade_matrix import GRADES

OVERRIDE_STATES = [
    ("pending", "Waiting Approval"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]


class CrmStandardGradeOverride(models.Model):
    _name = "crm.standard.grade.override"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Customer Grade Override Request"
    _order = "create_date desc, id desc"
    _mail_post_access = "read"

    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        domain="[('is_crm_customer', '=', True), ('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(
        related="partner_id.company_id", store=True, index=True, string="Company"
    )
    salesperson_id = fields.Many2one(related="partner_id.user_id")
    current_grade = fields.Selection(
        GRADES, readonly=True, help="Grade of the customer when the request was made."
    )
    computed_grade = fields.Selection(
        related="partner_id.crm_grade_computed", string="Computed Grade"
    )
    requested_grade = fields.Selection(
        GRADES,
        required=True,
        tracking=True,
        help="Grade the customer gets once the request is approved.",
    )
    reason = fields.Text(required=True, tracking=True)
    state = fields.Selection(
        OVERRIDE_STATES,
        default="pending",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    requested_by_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True, index=True, copy=False
    )
    reviewer_id = fields.Many2one(
        "res.users", "Reviewed By", readonly=True, tracking=True, copy=False
    )
    review_date = fields.Datetime(readonly=True, copy=False)
    review_comment = fields.Text(
        tracking=True,
        copy=False,
        help="Why the request is approved or rejected (required to reject).",
    )

    @api.depends("partner_id", "requested_grade")
    def _compute_display_name(self):
        for request in self:
            request.display_name = self.env._(
                "%(customer)s → %(grade)s",
                customer=request.partner_id.display_name or "",
                grade=request.requested_grade or "",
            )

    # -- roles ------------------------------------------------------------
    @api.model
    def _crm_approver_group(self):
        """Xml id of the group that approves overrides; override to change it."""
        return "sales_team.group_sale_manager"

    def _crm_is_approver(self):
        return self.env.su or self.env.user.has_group(self._crm_approver_group())

    @api.model
    def _crm_protected_fields(self):
        """``{field: group or None}``: the requester is whoever makes the
        request, the review is the approver's (see ``tools/protected.py``).
        Extension point."""
        return {
            **dict.fromkeys(
                ["state", "requested_by_id", "current_grade", "reviewer_id", "review_date"]
            ),
            "review_comment": self._crm_approver_group(),
        }

    # -- ORM --------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list, create=True)
        for vals in vals_list:
            vals.pop("state", None)  # a request always starts pending
        self._crm_check_partner_field(vals_list)
        requests = super().create(vals_list)
        for request in requests:
            if request.partner_id.parent_id or not request.partner_id.is_crm_customer:
                raise UserError(
                    self.env._(
                        "Customer: %(partner)s is not a customer (company); grades "
                        "belong to customers.",
                        partner=request.partner_id.display_name,
                    )
                )
            request.sudo().current_grade = request.partner_id.customer_grade
        if self._crm_is_approver():
            requests._crm_approve(self.env._("Override by a sales manager: applied directly."))
        else:
            for request in requests:
                request.message_post(
                    body=self.env._(
                        "Grade override requested: %(old)s → %(new)s, waiting for a sales "
                        "manager's approval.",
                        old=request.current_grade or "-",
                        new=request.requested_grade,
                    )
                )
        return requests

    def write(self, vals):
        check_protected_fields(self, [vals])
        if {"partner_id", "requested_grade", "reason"} & set(vals) and self.filtered(
            lambda r: r.state != "pending"
        ):
            raise UserError(
                self.env._("Requested Grade: a reviewed request cannot be changed; make a new one.")
            )
        if vals.get("partner_id"):
            self._crm_check_partner_field([vals])
        return super().write(vals)

    # -- actions ----------------------------------------------------------
    def _crm_check_reviewer(self):
        if not self._crm_is_approver():
            raise AccessError(
                self.env._("Only sales managers can approve or reject grade overrides.")
            )
        if self.filtered(lambda r: r.state != "pending"):
            raise UserError(
                self.env._("Status: only requests waiting for approval can be reviewed.")
            )

    def _crm_approve(self, comment=False):
        now = fields.Datetime.now()
        for request in self:
            request.sudo().write(
                {
                    "state": "approved",
                    "reviewer_id": self.env.user.id,
                    "review_date": now,
                    "review_comment": request.review_comment or comment,
                }
            )
            request.partner_id.sudo()._crm_set_manual_grade(
                request.requested_grade, request.reason, override=request
            )

    def action_approve(self):
        self._crm_check_reviewer()
        self._crm_approve()
        return True

    def action_reject(self):
        self._crm_check_reviewer()
        missing = self.filtered(lambda r: not r.review_comment)
        if missing:
            raise UserError(
                self.env._(
                    "Review Comment: say why the request for %(customers)s is rejected.",
                    customers=", ".join(missing.partner_id.mapped("display_name")),
                )
            )
        self.sudo().write(
            {
                "state": "rejected",
                "reviewer_id": self.env.user.id,
                "review_date": fields.Datetime.now(),
            }
        )
        return True

    def action_cancel(self):
        for request in self:
            if request.state != "pending":
                raise UserError(self.env._("Status: only pending requests can be cancelled."))
            if request.requested_by_id != self.env.user and not self._crm_is_approver():
                raise AccessError(
                    self.env._("Only the requester or a sales manager can cancel this request.")
                )
        self.sudo().write({"state": "cancelled"})
        return True

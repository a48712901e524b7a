import json

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import lock_nowait

CHANGE_REQUEST_STATES = [
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
# Fields set by the approval workflow only (never by a plain write).
_WORKFLOW_FIELDS = {
    "partner_id",
    "field_id",
    "field_name",
    "old_value",
    "new_value",
    "requested_by_id",
    "state",
    "approver_id",
    "decision_date",
    "company_id",
}


class CrmStandardChangeRequest(models.Model):
    """A change of a customer's key information waiting for a sales manager.

    ``res.partner.write`` creates them when a user who is not a sales manager
    changes one of ``res.partner._crm_key_change_fields()`` on a customer;
    the value is applied (and tracked on the customer) only on approval.
    Values are stored as JSON in the normal form of
    ``res.partner._crm_key_value()``.
    """

    _name = "crm.standard.change.request"
    _description = "Customer Key Change Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # the requester (read access only) may discuss the request
    _mail_post_access = "read"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    requested_by_id = fields.Many2one(
        "res.users",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
        ondelete="restrict",
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        required=True,
        readonly=True,
        ondelete="cascade",
        domain=[("model", "=", "res.partner")],
    )
    field_name = fields.Char(related="field_id.name", store=True, string="Technical Field Name")
    field_label = fields.Char(string="Key Field", compute="_compute_field_label", compute_sudo=True)
    old_value = fields.Text(
        string="Old Value (JSON)", readonly=True, help="Value before the change, as JSON."
    )
    new_value = fields.Text(
        string="New Value (JSON)", readonly=True, help="Requested value, as JSON."
    )
    old_value_display = fields.Char(string="Old Value", compute="_compute_value_display")
    new_value_display = fields.Char(string="New Value", compute="_compute_value_display")
    state = fields.Selection(
        CHANGE_REQUEST_STATES,
        default="pending",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    approver_id = fields.Many2one(
        "res.users", string="Approved/Rejected By", readonly=True, tracking=True
    )
    decision_date = fields.Datetime(readonly=True)
    comment = fields.Text(tracking=True, help="Reason of the decision; required to reject.")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )

    @api.depends("field_id")
    @api.depends_context("lang")
    def _compute_field_label(self):
        for request in self:
            request.field_label = request.field_id.field_description

    @api.depends("partner_id", "field_label")
    def _compute_display_name(self):
        for request in self:
            request.display_name = self.env._(
                "%(customer)s: %(field)s",
                customer=request.partner_id.display_name or "",
                field=request.field_label or "",
            )

    @api.depends("field_name", "old_value", "new_value")
    def _compute_value_display(self):
        for request in self:
            request.old_value_display = request._crm_format_value(request.old_value)
            request.new_value_display = request._crm_format_value(request.new_value)

    def _crm_decode(self, raw):
        return json.loads(raw) if raw else False

    def _crm_format_value(self, raw):
        """Human-readable form of a stored JSON value."""
        self.ensure_one()
        field = self.env["res.partner"]._fields.get(self.field_name)
        value = self._crm_decode(raw)
        if field is None or value is False or value is None:
            return value and str(value) or ""
        if field.type == "many2one":
            return self.env[field.comodel_name].sudo().browse(value).exists().display_name or ""
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value)
        return str(value)

    # ------------------------------------------------------------------
    # Creation (from res.partner.write)
    # ------------------------------------------------------------------
    @api.model
    def _crm_create_from_changes(self, changes):
        """Create the pending requests of ``changes``, a list of
        ``(partner, field name, old value, new value)`` in normal form.

        Older pending requests on the same customer and field are rejected as
        superseded. Runs as superuser: the caller checked that the user may
        write the customer; the requester is the current user.
        """
        Fields = self.env["ir.model.fields"].sudo()
        field_ids = {
            f.name: f.id
            for f in Fields.search(
                [("model", "=", "res.partner"), ("name", "in", list({c[1] for c in changes}))]
            )
        }
        requests = self.sudo().create(
            [
                {
                    "partner_id": partner.id,
                    "field_id": field_ids[fname],
                    "old_value": json.dumps(old),
                    "new_value": json.dumps(new),
                    "requested_by_id": self.env.uid,
                    "company_id": (partner.company_id or self.env.company).id,
                }
                for partner, fname, old, new in changes
            ]
        )
        superseded = (
            self.sudo()
            .search(
                [
                    ("state", "=", "pending"),
                    ("id", "not in", requests.ids),
                    ("partner_id", "in", requests.partner_id.ids),
                    ("field_id", "in", requests.field_id.ids),
                ]
            )
            .filtered(
                lambda old: any(
                    r.partner_id == old.partner_id and r.field_id == old.field_id for r in requests
                )
            )
        )
        if superseded:
            superseded.write(
                {
                    "state": "rejected",
                    "decision_date": fields.Datetime.now(),
                    "comment": self.env._("Superseded by a newer request."),
                }
            )
            superseded.activity_unlink(["mail.mail_activity_data_todo"])
        requests._crm_notify_approvers()
        return requests.with_env(self.env)

    def _crm_approvers(self):
        """Who decides the request: the salesperson's team leader, else the
        sales managers of its company. Extension point."""
        self.ensure_one()
        return self.env["res.users"]._crm_approvers_of(self.partner_id.user_id, self.company_id)

    def _crm_notify_approvers(self):
        """A to-do for each approver: the request is in their activities."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        vals_list = [
            {
                "activity_type_id": activity_type.id,
                "res_model_id": self.env["ir.model"]._get_id(self._name),
                "res_id": request.id,
                "user_id": approver.id,
                "automated": True,  # activity_unlink drops it once decided
                "summary": self.env._("Decide the change of %(field)s", field=request.field_label),
            }
            for request in self.sudo()
            for approver in request._crm_approvers()
        ]
        # one create; no e-mail per request (the activity is enough)
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            vals_list
        )

    # ------------------------------------------------------------------
    # Decisions
    # ------------------------------------------------------------------
    def _crm_check_approver(self):
        """Only sales managers decide; override to delegate."""
        if not (self.env.su or self.env.user.has_group("sales_team.group_sale_manager")):
            raise AccessError(
                self.env._(
                    "Change requests: only a sales manager can approve or reject "
                    "changes of key customer information."
                )
            )
        not_pending = self.filtered(lambda r: r.state != "pending")
        if not_pending:
            raise UserError(
                self.env._(
                    "Status: %(requests)s is no longer pending.",
                    requests=", ".join(not_pending.mapped("display_name")),
                )
            )
        self.check_access("write")

    def _crm_lock_for_decision(self):
        """Lock the requests of ``self`` until the end of the transaction: a
        second decision at the same time, or since this transaction began,
        fails instead of applying a request twice."""
        locked = lock_nowait(
            self.env.cr,
            SQL(
                "SELECT id FROM crm_standard_change_request WHERE id IN %s "
                "FOR NO KEY UPDATE NOWAIT",
                tuple(self.ids),
            ),
        )
        if locked is None:
            raise UserError(
                self.env._(
                    "Status: someone else is deciding %(requests)s or just did; reload "
                    "and decide again if needed.",
                    requests=", ".join(self.mapped("display_name")),
                )
            )

    def _crm_check_current_values(self):
        """Refuse to approve requests whose customer no longer has the value
        the request started from: the requested value would overwrite a
        later change (e.g. by a manager) that was never compared with it."""
        for request in self:
            partner = request.partner_id.sudo().with_company(request.company_id)
            fname = request.field_name
            current = partner._crm_key_value(fname, partner[fname])
            if current != self._crm_decode(request.old_value):
                raise UserError(
                    self.env._(
                        "%(field)s of %(customer)s was changed since the request was made; "
                        "the request is outdated: reject it and ask for the change again.",
                        field=request.field_label,
                        customer=request.partner_id.display_name,
                    )
                )

    def action_approve(self):
        """Apply the requested values to the customers (tracked there)."""
        self._crm_check_approver()
        self._crm_lock_for_decision()
        self._crm_check_current_values()
        for request in self:
            # company-dependent fields (credit limit, payment terms) take the
            # value of the request's company; sudo: the approver was checked
            # above (a delegate of _crm_check_approver may not be a manager),
            # and the context key alone does not bypass the approval
            partner = (
                request.partner_id.sudo()
                .with_company(request.company_id)
                .with_context(crm_skip_change_request=True)
            )
            fname = request.field_name
            partner.write({fname: self._crm_decode(request.new_value)})
            body = self.env._(
                "Change of %(field)s approved by %(approver)s (requested by %(requester)s).",
                field=request.field_label,
                approver=self.env.user.name,
                requester=request.requested_by_id.name,
            )
            partner.message_post(body=Markup("<p>%s</p>") % body, subtype_xmlid="mail.mt_note")
        self._crm_decide("approved")
        return True

    def action_reject(self):
        """Keep the current values; a comment explains the refusal."""
        self._crm_check_approver()
        missing = self.filtered(lambda r: not (r.comment or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Comment: give the reason to reject %(requests)s.",
                    requests=", ".join(missing.mapped("display_name")),
                )
            )
        self._crm_lock_for_decision()
        self._crm_decide("rejected")
        return True

    def _crm_decide(self, state):
        self.sudo().write(
            {
                "state": state,
                "approver_id": self.env.uid,
                "decision_date": fields.Datetime.now(),
            }
        )
        # decided: the approvers' to-dos go (also those of the other managers)
        self.sudo().activity_unlink(["mail.mail_activity_data_todo"])
        labels = dict(self._fields["state"]._description_selection(self.env))
        for request in self:
            request.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "%(status)s by %(approver)s.", status=labels[state], approver=self.env.user.name
                ),
                partner_ids=request.requested_by_id.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------
    def write(self, vals):
        if not self.env.su:
            self.check_access("write")
        protected = _WORKFLOW_FIELDS.intersection(vals)
        if protected and not self.env.su:
            raise UserError(
                self.env._(
                    "%(fields)s: change requests are decided with Approve or Reject, not edited.",
                    fields=", ".join(sorted(protected)),
                )
            )
        if "comment" in vals and not self.env.su and self.filtered(lambda r: r.state != "pending"):
            raise UserError(self.env._("Comment: a decided change request cannot be edited."))
        return super().write(vals)

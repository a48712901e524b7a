from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_lead import NEED_PRIORITIES


class CrmStandardNeed(models.Model):
    """A line of the needs list (需求清单) of an opportunity."""

    _name = "crm.standard.need"
    _description = "Customer Need"
    _inherit = ["crm.standard.protected.mixin"]
    _order = "lead_id, sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char("Need", required=True)
    lead_id = fields.Many2one(
        "crm.lead", "Opportunity", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(
        related="lead_id.crm_commercial_partner_id", string="Customer", store=True, index=True
    )
    company_id = fields.Many2one(related="lead_id.company_id", store=True)
    need_type = fields.Selection(
        [("rigid", "Rigid (must be met)"), ("flexible", "Flexible (may be optimised)")],
        "Type",
        required=True,
        default="rigid",
    )
    priority = fields.Selection(NEED_PRIORITIES, default="1")
    state = fields.Selection(
        [
            ("open", "Open"),
            ("confirmed", "Confirmed by the Customer"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
            ("met", "Met"),
        ],
        "Status",
        required=True,
        default="open",
        copy=False,
    )
    confirmed_date = fields.Date("Confirmed On", copy=False)
    confirmed_contact_id = fields.Many2one("res.partner", "Confirmed By (Contact)", copy=False)
    review_user_ids = fields.Many2many("res.users", string="Reviewers", copy=False)
    review_date = fields.Date("Reviewed On", copy=False)
    review_comment = fields.Text(copy=False)

    @api.model
    def _crm_protected_fields(self):
        """System-set fields (``tools.check_protected_fields``): the status and
        the internal review move through the buttons (Confirm, Accept, Reject,
        Met). Extension point."""
        return dict.fromkeys(["state", "review_date", "review_user_ids"])

    def action_confirm(self):
        for need in self:
            if need.state != "open":
                raise UserError(
                    self.env._(
                        "Status: only an open need can be confirmed (%(need)s).", need=need.name
                    )
                )
            need._crm_write_system(
                {
                    "state": "confirmed",
                    "confirmed_date": need.confirmed_date or fields.Date.context_today(need),
                    "confirmed_contact_id": (
                        need.confirmed_contact_id or need.lead_id.partner_id
                    ).id,
                }
            )

    def _crm_review(self, state):
        for need in self:
            if need.state not in ("confirmed", "accepted", "rejected"):
                raise UserError(
                    self.env._(
                        "Status: the internal review takes needs confirmed by the customer "
                        "(%(need)s is not).",
                        need=need.name,
                    )
                )
            if state == "rejected" and not need.review_comment:
                raise UserError(
                    self.env._(
                        "Review Comment: say why the need %(need)s is rejected.", need=need.name
                    )
                )
            need._crm_write_system(
                {
                    "state": state,
                    "review_date": fields.Date.context_today(need),
                    "review_user_ids": [fields.Command.link(self.env.uid)],
                }
            )

    def action_review_accept(self):
        self._crm_review("accepted")

    def action_review_reject(self):
        self._crm_review("rejected")

    def action_mark_met(self):
        self._crm_write_system({"state": "met"})

    def action_reset_open(self):
        self._crm_write_system({"state": "open", "confirmed_date": False, "review_date": False})

    @api.model
    def _crm_unconfirmed_rigid_domain(self):
        return [("need_type", "=", "rigid"), ("state", "=", "open")]

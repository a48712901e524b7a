from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

PROPOSAL_STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("changes", "Changes Requested"),
    ("accepted", "Accepted"),
    ("cancel", "Cancelled"),
]


class CrmStandardServiceProposal(models.Model):
    """The service proposal (服务方案) of an opportunity, accepted by the customer on the portal."""

    _name = "crm.standard.service.proposal"
    _description = "Service Proposal"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "crm.standard.protected.mixin",
    ]
    _order = "id desc"

    name = fields.Char("Proposal", required=True, tracking=True)
    lead_id = fields.Many2one(
        "crm.lead", "Opportunity", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(
        related="lead_id.crm_commercial_partner_id", string="Customer", store=True, index=True
    )
    user_id = fields.Many2one(related="lead_id.user_id", string="Salesperson", store=True)
    company_id = fields.Many2one(related="lead_id.company_id", store=True)
    currency_id = fields.Many2one(related="lead_id.company_currency")
    state = fields.Selection(
        PROPOSAL_STATES, "Status", default="draft", required=True, copy=False, tracking=True
    )
    content = fields.Html()
    date_start = fields.Date("Delivery From")
    date_end = fields.Date("Delivery To")
    responsibilities = fields.Text()
    fee = fields.Monetary("Fees", currency_field="currency_id")
    risk_plan = fields.Text()
    need_ids = fields.Many2many(
        "crm.standard.need",
        string="Needs Answered",
        domain="[('lead_id', '=', lead_id)]",
    )
    version = fields.Integer(default=1, copy=False, readonly=True, tracking=True)
    revision_count = fields.Integer(
        "Revision Rounds",
        copy=False,
        readonly=True,
        help="Rounds sent again after the customer asked for changes.",
    )
    revision_approved_round = fields.Integer(
        copy=False,
        readonly=True,
        help="The revision round a sales manager approved beyond the limit.",
    )
    revision_approval_needed = fields.Boolean(compute="_compute_revision_approval_needed")
    customer_comment = fields.Text("Customer's Comment", copy=False, readonly=True)
    accepted_by = fields.Char(copy=False, readonly=True)
    accepted_date = fields.Datetime("Accepted On", copy=False, readonly=True)
    feedback_ids = fields.One2many("crm.standard.feedback", "proposal_id")

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for proposal in self:
            if (
                proposal.date_start
                and proposal.date_end
                and proposal.date_end < proposal.date_start
            ):
                raise ValidationError(
                    self.env._(
                        "Delivery To: the delivery period of %(proposal)s ends before it starts.",
                        proposal=proposal.name,
                    )
                )

    @api.constrains("fee")
    def _check_fee(self):
        for proposal in self:
            if proposal.fee < 0:
                raise ValidationError(
                    self.env._(
                        "Fees: the fees of %(proposal)s cannot be negative.", proposal=proposal.name
                    )
                )

    @api.model
    def _crm_protected_fields(self):
        """System-set fields (``tools.check_protected_fields``): the status, the
        version and revision rounds move through the buttons (Send, Approve One
        More Revision, Cancel, Reset to Draft); the customer's answer comes from
        the portal. Extension point."""
        return dict.fromkeys(
            [
                "state",
                "version",
                "revision_count",
                "revision_approved_round",
                "customer_comment",
                "accepted_by",
                "accepted_date",
            ]
        )

    def _compute_access_url(self):
        # portal.mixin's own compute only sets '#'
        for proposal in self:
            proposal.access_url = f"/my/crm_proposal/{proposal.id}"

    @api.depends("state", "revision_count", "revision_approved_round", "company_id")
    def _compute_revision_approval_needed(self):
        for proposal in self:
            proposal.revision_approval_needed = (
                proposal.state == "changes" and proposal._crm_next_round_needs_approval()
            )

    def _crm_next_round_needs_approval(self):
        self.ensure_one()
        limit = (self.company_id or self.env.company).crm_proposal_revision_limit
        next_round = self.revision_count + 1
        return next_round > limit and self.revision_approved_round < next_round

    def _crm_check_rigid_needs_answered(self):
        for proposal in self:
            rigid = proposal.lead_id.crm_need_ids.filtered(
                lambda need: need.need_type == "rigid" and need.state != "rejected"
            )
            missing = rigid - proposal.need_ids
            if missing:
                raise UserError(
                    self.env._(
                        "Needs Answered: the proposal %(proposal)s must answer every rigid "
                        "need; missing: %(needs)s.",
                        proposal=proposal.name,
                        needs=", ".join(missing.mapped("name")),
                    )
                )

    def action_approve_revision(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise UserError(
                self.env._("Revision Rounds: only a sales manager approves one more revision.")
            )
        for proposal in self:
            proposal._crm_write_system({"revision_approved_round": proposal.revision_count + 1})
            proposal.message_post(
                body=self.env._(
                    "Revision round %(round)s approved.", round=proposal.revision_approved_round
                )
            )

    def action_send(self):
        for proposal in self:
            if proposal.state not in ("draft", "changes", "sent"):
                raise UserError(
                    self.env._(
                        "Status: the proposal %(proposal)s can no longer be sent.",
                        proposal=proposal.name,
                    )
                )
            proposal._crm_check_rigid_needs_answered()
            values = {"state": "sent"}
            if proposal.state == "changes":
                if proposal._crm_next_round_needs_approval():
                    raise UserError(
                        self.env._(
                            "Revision Rounds: %(proposal)s has had %(count)s revision rounds, "
                            "the limit is %(limit)s; a sales manager must approve one more.",
                            proposal=proposal.name,
                            count=proposal.revision_count,
                            limit=proposal.company_id.crm_proposal_revision_limit,
                        )
                    )
                values.update(
                    revision_count=proposal.revision_count + 1, version=proposal.version + 1
                )
            proposal._crm_write_system(values)
            proposal._portal_ensure_token()
            url = proposal.get_base_url() + proposal.get_portal_url()
            partner = proposal.lead_id.partner_id
            proposal.message_post(
                body=Markup('%s <a href="%s">%s</a>')
                % (
                    self.env._(
                        "Please review our service proposal (version %(version)s):",
                        version=proposal.version,
                    ),
                    url,
                    proposal.name,
                ),
                partner_ids=partner.ids,
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def _crm_request_feedback(self):
        """Creates the feedback form of each proposal and sends its link to the contact."""
        Feedback = self.env["crm.standard.feedback"].sudo()
        for proposal in self:
            feedback = Feedback.create(
                {
                    "partner_id": proposal.partner_id.id,
                    "proposal_id": proposal.id,
                    "company_id": (proposal.company_id or self.env.company).id,
                }
            )
            proposal.message_post(
                body=Markup('%s <a href="%s">%s</a>')
                % (
                    self.env._("How was our service? Please fill in our feedback form:"),
                    feedback._crm_portal_url(),
                    self.env._("Customer Feedback"),
                ),
                partner_ids=proposal.lead_id.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )

    def action_crm_request_feedback(self):
        self.filtered(
            lambda p: p.state == "accepted" and not p.feedback_ids
        )._crm_request_feedback()

    def action_cancel(self):
        self._crm_write_system({"state": "cancel"})

    def action_draft(self):
        self.filtered(lambda p: p.state == "cancel")._crm_write_system({"state": "draft"})

    # -- customer side (the portal calls these as superuser after the token check)
    def _crm_portal_accept(self, signed_by):
        self.ensure_one()
        if self.state != "sent":
            raise UserError(self.env._("Status: only a sent proposal can be accepted."))
        if not (signed_by or "").strip():
            raise UserError(self.env._("Name: say who accepts the proposal."))
        self.write(
            {
                "state": "accepted",
                "accepted_by": signed_by.strip(),
                "accepted_date": fields.Datetime.now(),
            }
        )
        self.message_post(
            body=self.env._("Accepted by %(name)s.", name=self.accepted_by),
            subtype_xmlid="mail.mt_note",
        )
        if (self.company_id or self.env.company).crm_proposal_accept_wins and self.lead_id.active:
            if not self.lead_id.stage_id.is_won:
                self.lead_id.action_set_won()
        self.partner_id._crm_start_service(self.date_end)

    def _crm_portal_request_changes(self, comment):
        self.ensure_one()
        if self.state != "sent":
            raise UserError(self.env._("Status: only a sent proposal can be changed."))
        if not (comment or "").strip():
            raise UserError(self.env._("Comment: say which changes you need."))
        self.write({"state": "changes", "customer_comment": comment.strip()})
        self.message_post(
            body=self.env._("The customer asks for changes: %(comment)s", comment=comment),
            subtype_xmlid="mail.mt_note",
        )

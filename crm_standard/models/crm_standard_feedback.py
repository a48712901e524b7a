import uuid

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

DIMENSIONS = ("efficiency", "professionalism", "result")


class CrmStandardFeedback(models.Model):
    """The customer feedback form (客户反馈表), answered on a token link after delivery."""

    _name = "crm.standard.feedback"
    _description = "Customer Feedback"
    _inherit = ["mail.thread", "crm.standard.protected.mixin"]
    _order = "id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, ondelete="cascade", index=True
    )
    proposal_id = fields.Many2one(
        "crm.standard.service.proposal", "Service Proposal", ondelete="set null", index=True
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    access_token = fields.Char(copy=False, groups="base.group_system", default=lambda s: s._token())
    state = fields.Selection(
        [("sent", "Sent"), ("done", "Answered")], default="sent", required=True, index=True
    )
    date_sent = fields.Date(default=fields.Date.context_today)
    date_done = fields.Datetime("Answered On", readonly=True)
    efficiency = fields.Integer(aggregator="avg", readonly=True)
    professionalism = fields.Integer(aggregator="avg", readonly=True)
    result = fields.Integer(aggregator="avg", readonly=True)
    suggestions = fields.Text(readonly=True)

    _sql_constraints = [
        ("proposal_unique", "UNIQUE(proposal_id)", "A proposal gets one feedback form.")
    ]

    @api.model
    def _crm_protected_fields(self):
        """The customer's answers, given on the portal form only
        (``tools.check_protected_fields``). Extension point."""
        return dict.fromkeys(["state", "date_done", *DIMENSIONS, "suggestions"])

    @api.model
    def _token(self):
        return str(uuid.uuid4())

    def _crm_portal_url(self):
        self.ensure_one()
        return f"{self.get_base_url()}/crm_standard/feedback/{self.id}?access_token={self.sudo().access_token}"

    def _crm_submit(self, values):
        """Answers of the portal form: each dimension 1-5, suggestions optional."""
        self.ensure_one()
        if self.state == "done":
            raise UserError(self.env._("Feedback: this form was already answered."))
        scores = {}
        for dimension in DIMENSIONS:
            try:
                score = int(values.get(dimension) or 0)
            except ValueError:
                score = 0
            if not 1 <= score <= 5:
                raise UserError(
                    self.env._(
                        "%(dimension)s: give a score from 1 to 5.",
                        dimension=self._fields[dimension].get_description(self.env)["string"],
                    )
                )
            scores[dimension] = score
        self.write(
            dict(
                scores,
                suggestions=(values.get("suggestions") or "").strip(),
                state="done",
                date_done=fields.Datetime.now(),
            )
        )

    @api.model
    def _cron_crm_feedback_requests(self):
        """Once per accepted proposal, within a month after its delivery ends."""
        today = fields.Date.context_today(self)
        proposals = (
            self.env["crm.standard.service.proposal"]
            .sudo()
            .search(
                [
                    ("state", "=", "accepted"),
                    ("date_end", "<", today),
                    ("date_end", ">=", today - relativedelta(months=1)),
                    ("feedback_ids", "=", False),
                ]
            )
        )
        proposals._crm_request_feedback()
        self.env["ir.cron"]._notify_progress(done=len(proposals), remaining=0)
        return len(proposals)

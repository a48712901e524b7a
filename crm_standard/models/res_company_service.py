from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """Settings of the service delivery (needs, proposals, progress reports)."""

    _inherit = "res.company"

    crm_need_stage_rule = fields.Boolean(
        "Confirmed Needs Before the Proposal",
        default=True,
        help="An opportunity cannot reach a stage marked 'Requires Confirmed Needs' "
        "while one of its rigid needs is not confirmed by the customer.",
    )
    crm_proposal_revision_limit = fields.Integer(
        "Proposal Revisions Without Approval",
        default=2,
        help="Revision rounds of a service proposal allowed without the approval "
        "of a sales manager.",
    )
    crm_proposal_accept_wins = fields.Boolean(
        "Accepted Proposal Wins the Opportunity",
        default=True,
        help="When the customer accepts a proposal on the portal, its opportunity is marked won.",
    )

    crm_greeting_enabled = fields.Boolean(
        "Greeting Reminders",
        help="Greeting activities for the salespeople before the holidays of the "
        "greeting list and the customers' founding anniversaries.",
    )
    crm_greeting_days_before = fields.Integer("Greet Days Before", default=3)
    crm_greeting_mode = fields.Selection(
        [("activity", "Activity for the Salesperson"), ("mail", "E-mail to the Customer")],
        "Greet By",
        default="activity",
        required=True,
        help="What a greeting does, unless its holiday says otherwise: an activity for "
        "the customer's salesperson, or an e-mail from the greeting template to the "
        "customer's contact.",
    )
    crm_greeting_template_id = fields.Many2one(
        "mail.template",
        "Greeting Template",
        domain="[('model', '=', 'res.partner')]",
        help="The greeting e-mail; empty: the template 'Service: Greeting'.",
    )

    def _crm_greeting_template(self):
        self.ensure_one()
        return (
            self.crm_greeting_template_id
            or self.env.ref("crm_standard.mail_template_greeting", raise_if_not_found=False)
            or self.env["mail.template"]
        )

    @api.constrains("crm_proposal_revision_limit")
    def _check_crm_proposal_revision_limit(self):
        for company in self:
            if company.crm_proposal_revision_limit < 0:
                raise ValidationError(
                    self.env._(
                        "Proposal Revisions Without Approval: the limit cannot be negative "
                        "(got %(value)s).",
                        value=company.crm_proposal_revision_limit,
                    )
                )

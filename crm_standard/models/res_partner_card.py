"""The facts a salesperson needs on the customer card and list: the next
follow-up and the open tickets."""

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_next_followup_date = fields.Date(
        string="Next Follow-up",
        compute="_compute_crm_next_followup_date",
        groups="sales_team.group_sale_salesman",
        help="Earliest due date of the open steps of the customer's approved follow-up plan.",
    )
    crm_open_ticket_count = fields.Integer(
        string="Open Tickets",
        compute="_compute_crm_open_ticket_count",
        groups="crm_standard.group_crm_standard_service_agent,sales_team.group_sale_salesman",
    )

    def _compute_crm_next_followup_date(self):
        # one query for the page of cards, with the user's rights
        dates = dict(
            self.env["crm.standard.followup.plan.step"]._read_group(
                [
                    ("partner_id", "in", self._origin.commercial_partner_id.ids),
                    ("plan_state", "=", "approved"),
                    ("done", "=", False),
                    ("next_due_date", "!=", False),
                ],
                ["partner_id"],
                ["next_due_date:min"],
            )
        )
        for partner in self:
            partner.crm_next_followup_date = dates.get(partner._origin.commercial_partner_id)

    def _compute_crm_open_ticket_count(self):
        counts = dict(
            self.env["crm.standard.ticket"]._read_group(
                [
                    ("commercial_partner_id", "in", self._origin.commercial_partner_id.ids),
                    ("is_closed", "=", False),
                ],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.crm_open_ticket_count = counts.get(partner._origin.commercial_partner_id, 0)

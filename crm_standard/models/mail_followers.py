"""Follower rows of a customer the restricted salesperson may not see are
hidden from them: their ``res_id`` and followers would list the hidden
customers and who follows them (issue 16, hole 4)."""

from odoo import fields, models


class MailFollowers(models.Model):
    _inherit = "mail.followers"

    crm_document_visible = fields.Boolean(
        compute="_compute_crm_document_visible",
        search="_search_crm_document_visible",
        string="Document Visible to Me",
        help="Technical: the followed document is not a partner, or a partner "
        "the current user sees (the rule of salespeople restricted to their own "
        "customers).",
    )

    def _compute_crm_document_visible(self):
        partner_rows = self.sudo().filtered(lambda f: f.res_model == "res.partner")
        visible = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("id", "in", partner_rows.mapped("res_id"))])
        )
        for follower in self:
            follower.crm_document_visible = (
                follower.sudo().res_model != "res.partner" or follower.sudo().res_id in visible.ids
            )

    def _search_crm_document_visible(self, operator, value):
        # rules are applied as superuser: the partners' subquery is the
        # "own customers" rule of the current user, not every partner
        visible = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            ._search([("crm_visible_to_me", "=", True)])
        )
        domain = ["|", ("res_model", "!=", "res.partner"), ("res_id", "in", visible)]
        if (operator == "=") != bool(value):
            domain = ["!", *domain]
        return domain

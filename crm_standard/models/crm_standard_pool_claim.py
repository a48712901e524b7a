from odoo import api, fields, models, tools


class CrmStandardPoolClaim(models.Model):
    """One claim of a public pool customer by a salesperson: the claim limit
    per period counts these events, so a customer claimed, released again
    and claimed by someone else still counts for its first claimer."""

    _name = "crm.standard.pool.claim"
    _description = "Public Pool Claim"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    user_id = fields.Many2one(
        "res.users", "Claimed By", required=True, ondelete="cascade", readonly=True
    )
    date = fields.Date(
        required=True, default=fields.Date.context_today, readonly=True, string="Claimed On"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )

    def init(self):
        # the claim limit counts the claims of one user from a date on
        tools.create_index(
            self.env.cr,
            "crm_standard_pool_claim_user_date_index",
            self._table,
            ["user_id", "date"],
        )

    @api.depends("partner_id", "user_id", "date")
    def _compute_display_name(self):
        for claim in self:
            claim.display_name = self.env._(
                "%(customer)s claimed by %(user)s on %(date)s",
                customer=claim.partner_id.display_name,
                user=claim.user_id.name,
                date=claim.date,
            )

    @api.model
    def _crm_count_claims(self, user, date_from):
        """Claims of ``user`` since ``date_from`` (every company): what the
        claim limit per period counts. Extension point: override to count
        differently (e.g. per company)."""
        return self.sudo().search_count([("user_id", "=", user.id), ("date", ">=", date_from)])

"""Customer fields only the system writes (grades, lifecycle, customer flag,
visibility, public pool): a user's write of them is refused."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import AFTER_CREATE, check_protected_fields
from ..tools.partner import _GRADE_COLUMNS


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _crm_protected_fields(self):
        """``{field: group xml id or None}``: fields a user never writes
        (``None``) or only as a member of the group. The system writes them
        (sudo, install, scheduled actions); users go through the buttons
        (Make Customer, Mark as Churned, Claim, grade override requests).

        Extension point: add the fields your own automations compute.
        """
        return {
            # the Customers menu creates customers; later, Make Customer only
            "is_crm_customer": AFTER_CREATE,
            **dict.fromkeys(
                [
                    "lifecycle_stage",
                    "lifecycle_churn_date",
                    "last_won_date",
                    *_GRADE_COLUMNS,
                    "crm_owner_date",
                    "crm_owner_user_id",
                    "crm_pool_release_date",
                    "crm_pool_previous_user_id",
                    "crm_pool_claim_user_id",
                    "crm_pool_claim_date",
                    "crm_visibility_restricted",
                    "crm_visibility_key",
                    "completeness_score",
                    "crm_name_normalized",
                    "crm_phone_sanitized",
                ]
            ),
        }

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        checked = vals
        if "crm_owner_date" in vals and "user_id" in vals:
            # the date write() itself stamps on a change of salesperson
            today = fields.Date.context_today(self)
            stamp = today if vals["user_id"] else False
            if fields.Date.to_date(vals["crm_owner_date"]) == stamp:
                checked = {k: v for k, v in vals.items() if k != "crm_owner_date"}
        check_protected_fields(self, [checked])
        if "parent_id" in vals:
            self._crm_check_pool_parent(vals["parent_id"])
        if "active" in vals and not vals["active"]:
            self._crm_check_pool_archive()
        return super().write(vals)

    def _crm_check_pool_parent(self, parent_id):
        """A restricted salesperson does not take a pool customer (or one of
        its contacts) by attaching it to a company of theirs: pool customers
        are claimed, within the claim limit."""
        if not self._crm_user_is_restricted():
            return
        moved = self.sudo().filtered(
            lambda p: p.parent_id.id != (parent_id or False) and p.commercial_partner_id.crm_in_pool
        )
        if moved:
            raise UserError(
                self.env._(
                    "Related Company: %(names)s belongs to the public pool; claim it "
                    "(within your claim limit) instead of moving it under another company, "
                    "or ask a sales manager.",
                    names=", ".join(moved.mapped("display_name")),
                )
            )

    def _crm_check_pool_archive(self):
        """A restricted salesperson does not archive a pool customer: it would
        leave the pool of every salesperson."""
        if not self._crm_user_is_restricted():
            return
        pool = self.sudo().filtered(lambda p: not p.parent_id and p.crm_in_pool)
        if pool:
            raise UserError(
                self.env._(
                    "Active: %(names)s belongs to the public pool, which every salesperson "
                    "works; only a sales manager archives it.",
                    names=", ".join(pool.mapped("display_name")),
                )
            )

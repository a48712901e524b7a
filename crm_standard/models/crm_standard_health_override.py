from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .res_partner_health import HEALTH_BANDS, SCORED_BANDS

OVERRIDE_BANDS = [band for band in HEALTH_BANDS if band[0] in SCORED_BANDS]


class CrmStandardHealthOverride(models.Model):
    """A sales manager's override of a customer's health band, with the
    required comment. Applied when created; the records are the history (an
    empty band removes the override: the computed band applies again)."""

    _name = "crm.standard.health.override"
    _description = "Customer Health Override"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        "Customer",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('is_crm_customer', '=', True), ('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(related="partner_id.company_id", store=True, index=True)
    band = fields.Selection(
        OVERRIDE_BANDS,
        help="Leave empty to remove the override: the computed band applies again.",
    )
    old_band = fields.Selection(HEALTH_BANDS, "Band Before", readonly=True)
    computed_band = fields.Selection(
        HEALTH_BANDS, readonly=True, help="The computed band at the time of the override."
    )
    score = fields.Integer("Score at the Time", readonly=True)
    comment = fields.Text(required=True, help="Why the band is overridden (required).")
    user_id = fields.Many2one(
        "res.users", "Set By", readonly=True, default=lambda self: self.env.user
    )
    date = fields.Datetime(readonly=True, default=fields.Datetime.now)

    @api.model_create_multi
    def create(self, vals_list):
        self.env["res.partner"]._crm_check_health_manager()
        for vals in vals_list:
            if not (vals.get("comment") or "").strip():
                raise ValidationError(
                    self.env._("Comment: say why the health band is overridden (required).")
                )
            vals.pop("user_id", None)
        records = super().create(vals_list)
        for record in records:
            partner = record.partner_id.sudo()
            if not (partner.is_crm_customer and not partner.parent_id):
                raise ValidationError(
                    self.env._(
                        "Customer: %(partner)s is not a customer company; only customers "
                        "have a health band.",
                        partner=partner.display_name,
                    )
                )
            record.sudo().write(
                {
                    "old_band": partner.crm_health_band,
                    "computed_band": partner.crm_health_band_computed,
                    "score": partner.crm_health_score,
                }
            )
            partner._crm_health_set_override(record)
        return records

    def write(self, vals):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Health overrides are history: create a new override (or one with an "
                    "empty band to remove it) instead of changing this one."
                )
            )
        return super().write(vals)

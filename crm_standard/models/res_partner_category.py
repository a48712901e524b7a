from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import is_system_env

TAG_FAMILIES = [
    ("basic", "Basic"),
    ("behavior", "Behavior"),
    ("value", "Value"),
]


class ResPartnerCategory(models.Model):
    _inherit = "res.partner.category"

    family = fields.Selection(
        TAG_FAMILIES,
        default="basic",
        index=True,
        help="Basic: industry, region, customer type. Behavior: follow-up cadence, "
        "need stage, interactions. Value: grade, repeat buyer, complaint record.",
    )
    is_automatic = fields.Boolean(
        "Automatic",
        readonly=True,
        copy=False,
        help="Kept in sync by the system (see res.partner._crm_sync_value_tags); "
        "it cannot be added to or removed from a customer by hand.",
    )

    @api.model
    def _crm_automatic_tag_ids(self):
        """Ids of the automatic tags (archived included), one query."""
        return set(
            self.sudo().with_context(active_test=False)._search([("is_automatic", "=", True)])
        )

    @api.model
    def _crm_automatic_tag_editor_group(self):
        """Xml id of the group that renames or archives automatic tags;
        override to change it."""
        return "crm_standard.group_crm_standard_admin"

    def _crm_check_automatic_edit(self, vals):
        # context keys are no permission: a client sets its calls' context
        if is_system_env(self.env):
            return
        if "is_automatic" in vals:
            raise UserError(self.env._("Automatic: only the system marks tags as automatic."))
        automatic = self.filtered("is_automatic")
        if "partner_ids" in vals and automatic:
            raise UserError(
                self.env._(
                    "Partners: the automatic tags %(tags)s are kept in sync by the system "
                    "and cannot be given or removed by hand.",
                    tags=", ".join(automatic.mapped("name")),
                )
            )
        if automatic and not self.env.user.has_group(self._crm_automatic_tag_editor_group()):
            raise UserError(
                self.env._(
                    "%(fields)s: the automatic tags %(tags)s are used by the customer "
                    "grading; only a CRM Standard administrator renames or archives them.",
                    fields=", ".join(
                        self._fields[fname]._description_string(self.env)
                        for fname in vals
                        if fname in self._fields
                    ),
                    tags=", ".join(automatic.mapped("name")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self.browse()._crm_check_automatic_edit(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._crm_check_automatic_edit(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_automatic(self):
        if not self.env.su and self.filtered("is_automatic"):
            raise UserError(
                self.env._(
                    "Automatic tags such as %(tags)s are used by the customer grading "
                    "and cannot be deleted; archive them instead.",
                    tags=", ".join(self.filtered("is_automatic").mapped("name")),
                )
            )

from odoo import api, models

from ..tools import check_protected_fields


class CrmStandardProtectedMixin(models.AbstractModel):
    """System-set fields refused to users (``tools.check_protected_fields``):
    a model inherits it and lists its fields in ``_crm_protected_fields()``;
    its buttons write them through ``_crm_write_system``."""

    _name = "crm.standard.protected.mixin"
    _description = "CRM Standard System-Set Fields"

    @api.model
    def _crm_protected_fields(self):
        """``{field name: group xml id or None}``. Extension point."""
        return {}

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, [vals])
        return super().write(vals)

    def _crm_write_system(self, vals):
        """The buttons' write of system-set fields: as the system, once the
        user is known to be allowed to write the records."""
        self.check_access("write")
        return self.sudo().write(vals)

"""Records that open a partner by the visibility rule (leads, activities,
tickets): their create and write check the links a restricted salesperson
makes (issue 16, see docs/security.md)."""

from odoo import api, models


class CrmStandardPartnerLinkMixin(models.AbstractModel):
    _name = "crm.standard.partner.link.mixin"
    _description = "Records Opening a Partner to Their Assignee"

    # fields the partner visibility rule reads: a write of one is checked
    _crm_link_fields = ()

    @api.model_create_multi
    def create(self, vals_list):
        # before the insert: once inserted, the record opens its partner
        self._crm_check_partner_links(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if not set(self._crm_link_fields).isdisjoint(vals):
            self._crm_check_partner_links([vals])
        return super().write(vals)

    def _crm_check_partner_links(self, vals_list):
        """Call ``res.partner._crm_check_links`` with the links the records
        of ``self`` (written with ``vals_list[0]``), or those to create from
        ``vals_list``, make."""
        raise NotImplementedError

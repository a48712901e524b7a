"""An opportunity opens its customer to its salesperson (or, unassigned, to
every salesperson) by the visibility rule: a restricted salesperson links it
only to partners they see, and opens them to others only for their own
customers (issue 16, hole 1)."""

from odoo import models

# lead fields the partner visibility rule reads
LINK_FIELDS = ("partner_id", "user_id", "active")


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.standard.partner.link.mixin"]

    _crm_link_fields = LINK_FIELDS

    def _crm_check_partner_links(self, vals_list):
        Partner = self.env["res.partner"]
        if not Partner._crm_user_is_restricted():
            return
        # reactivating an opportunity is no new link; reassigning it, or
        # pointing it at another partner, is
        relink = not self or not {"partner_id", "user_id"}.isdisjoint(vals_list[0])
        links, grants = [], []
        for values in self._crm_values_after(vals_list, LINK_FIELDS):
            partner = Partner.browse(values["partner_id"])
            if not partner:
                continue
            if relink:
                links.append(("partner_id", partner))
            if values["active"] is not False:
                users = self.env["res.users"].browse(values["user_id"]) or None
                grants.append(("user_id", partner, users))
        Partner._crm_check_links(self, links, grants)

from odoo import api, models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _update_values(self, src_partners, dst_partner):
        self._crm_merge_customer_codes(src_partners, dst_partner)
        # Odoo's merge (Contact Creation group, private method) copies every
        # stored value of the sources, system-set ones included: a system step
        return super()._update_values(src_partners, dst_partner.sudo())

    @api.model
    def _crm_merge_customer_codes(self, src_partners, dst_partner):
        """Give ``dst_partner`` its customer code before Odoo's merge copies
        the values: its own, else the one Odoo would copy (the last source's
        with a code). The sources lose theirs first (they are deleted after),
        as the code is unique. A system step: no change request.

        Extension point: override to choose another code."""
        coded = src_partners.filtered("customer_code")
        if not coded:
            return
        code = dst_partner.customer_code or coded[-1].customer_code
        # sources about to be deleted: no tracking, no quality check
        coded.sudo().with_context(
            crm_skip_change_request=True, crm_skip_quality_check=True, tracking_disable=True
        ).write({"customer_code": False})
        # the constraint is checked row by row: free the code before reusing it
        coded.flush_recordset(["customer_code"])
        if dst_partner.customer_code != code:
            dst_partner.sudo().with_context(crm_skip_change_request=True).write(
                {"customer_code": code}
            )

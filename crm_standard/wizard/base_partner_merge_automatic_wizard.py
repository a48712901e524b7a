from odoo import api, models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _update_values(self, src_partners, dst_partner):
        self._crm_merge_customer_codes(src_partners, dst_partner)
        self._crm_merge_system_fields(src_partners, dst_partner)
        return super()._update_values(src_partners, dst_partner)

    @api.model
    def _crm_merge_system_fields(self, src_partners, dst_partner):
        """Give ``dst_partner`` the system-set values (``_crm_protected_fields``)
        Odoo's merge is about to copy (its own, else the last source's), as the
        system: the merge's write then leaves them unchanged, while its other
        values stay the user's write (key changes wait for approval)."""
        vals = {}
        for fname in dst_partner._crm_protected_fields():
            field = dst_partner._fields[fname]
            if field.compute or field.type in ("one2many", "many2many"):
                continue  # Odoo's merge skips them too
            for item in (*src_partners.sudo(), dst_partner.sudo()):
                if item[fname]:
                    vals[fname] = field.convert_to_write(item[fname], item)
        dst = dst_partner.sudo()
        vals = {
            fname: value
            for fname, value in vals.items()
            if value != dst._fields[fname].convert_to_write(dst[fname], dst)
        }
        if vals:
            dst_partner.sudo().with_context(crm_skip_change_request=True).write(vals)

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

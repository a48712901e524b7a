"""The grade tags (Grade S, A, B, C): the customer's grade is shown once, as
its badge, so the customer views leave these tags out of the tag widget."""

from odoo import api, fields, models

from .crm_standard_grade_matrix import GRADES


class ResPartnerCategory(models.Model):
    _inherit = "res.partner.category"

    crm_is_grade_tag = fields.Boolean(
        "Grade Tag",
        compute="_compute_crm_is_grade_tag",
        help="One of the automatic tags of the grade (Grade S, A, B, C): the customer "
        "views show the grade badge instead of this tag.",
    )

    @api.model
    def _crm_grade_tag_ids(self):
        """Ids of the grade tags. Extension point."""
        ModelData = self.env["ir.model.data"]
        return {
            ModelData._xmlid_to_res_id(
                f"crm_standard.partner_tag_grade_{grade.lower()}", raise_if_not_found=False
            )
            for grade, _label in GRADES
        } - {False}

    def _compute_crm_is_grade_tag(self):
        grade_tag_ids = self._crm_grade_tag_ids()
        for tag in self:
            tag.crm_is_grade_tag = tag._origin.id in grade_tag_ids

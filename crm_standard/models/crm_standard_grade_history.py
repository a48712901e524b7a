from odoo import api, fields, models

from .crm_standard_grade_matrix import GRADES

GRADE_SOURCES = [("computed", "Computed"), ("manual", "Manual")]


class CrmStandardGradeHistory(models.Model):
    _name = "crm.standard.grade.history"
    _description = "Customer Grade Change"
    _order = "date desc, id desc"

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, ondelete="cascade",
        readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    old_grade = fields.Selection(GRADES, readonly=True)
    new_grade = fields.Selection(GRADES, readonly=True)
    computed_grade = fields.Selection(
        GRADES, readonly=True, help="The computed grade at the time of the change.")
    source = fields.Selection(GRADE_SOURCES, required=True, readonly=True)
    user_id = fields.Many2one("res.users", "Changed By", readonly=True)
    override_id = fields.Many2one(
        "crm.standard.grade.override", "Override Request", readonly=True, index="btree_not_null")
    industry_id = fields.Many2one(
        related="partner_id.industry_id", string="Industry")
    salesperson_id = fields.Many2one(
        related="partner_id.user_id", string="Salesperson")

    @api.depends("partner_id", "old_grade", "new_grade")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.partner_id.display_name}: " \
                f"{line.old_grade or '-'} → {line.new_grade or '-'}"

"""Settings: the grade matrix shown as the 3 × 3 grid people think in."""

from markupsafe import Markup

from odoo import api, fields, models

from .crm_standard_grade_matrix import LEVELS

GRADE_BADGES = {
    "S": "text-bg-success",
    "A": "text-bg-info",
    "B": "text-bg-warning",
    "C": "text-bg-light",
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_grade_matrix_grid = fields.Html(
        string="Grade Matrix Grid",
        compute="_compute_crm_grade_matrix_grid",
        sanitize=False,
        help="Value level (rows) × potential level (columns): the grade of each cell.",
    )

    @api.depends("company_id")
    @api.depends_context("lang")
    def _compute_crm_grade_matrix_grid(self):
        Matrix = self.env["crm.standard.grade.matrix"]
        table = Matrix._crm_grade_table()
        labels = dict(Matrix._fields["value_level"]._description_selection(self.env))
        levels = [level for level, __ in LEVELS]
        for settings in self:
            head = Markup("").join(
                Markup("<th class='text-center'>%s</th>") % labels[potential]
                for potential in levels
            )
            rows = Markup("").join(
                Markup("<tr><th>%s</th>%s</tr>")
                % (
                    labels[value],
                    Markup("").join(
                        Markup("<td class='text-center'><span class='badge %s fs-6'>%s</span></td>")
                        % (GRADE_BADGES.get(grade, ""), grade)
                        for grade in (
                            Matrix._crm_lookup(table, settings.company_id.id, value, potential)
                            for potential in levels
                        )
                    ),
                )
                for value in levels
            )
            settings.crm_grade_matrix_grid = Markup(
                "<table class='table table-sm table-bordered w-auto mb-1 o_crm_grade_grid'>"
                "<thead><tr><th>%s</th>%s</tr></thead><tbody>%s</tbody></table>"
            ) % (self.env._("Value \\ Potential"), head, rows)

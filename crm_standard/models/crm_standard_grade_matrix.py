from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

GRADES = [("S", "S"), ("A", "A"), ("B", "B"), ("C", "C")]
LEVELS = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
LEVEL_POINTS = {"low": 0, "medium": 1, "high": 2}
POINT_LEVELS = {points: level for level, points in LEVEL_POINTS.items()}
# Seed defaults (value level, potential level) -> grade; the data file ships
# the same table as editable rows. S: high + high; A: high value with lower
# potential, or lower value with high potential; B: the middle; C: low + low
# (and low value with medium potential stays B: some potential is worth a
# standard follow-up).
DEFAULT_GRADE_MATRIX = {
    ("high", "high"): "S",
    ("high", "medium"): "A",
    ("high", "low"): "A",
    ("medium", "high"): "A",
    ("medium", "medium"): "B",
    ("medium", "low"): "B",
    ("low", "high"): "A",
    ("low", "medium"): "B",
    ("low", "low"): "C",
}


class CrmStandardGradeMatrix(models.Model):
    _name = "crm.standard.grade.matrix"
    _description = "Customer Grade Matrix Cell"
    _order = "company_id, sequence, id"

    sequence = fields.Integer(default=10)
    value_level = fields.Selection(
        LEVELS, required=True, help="Value level of the customer: revenue of the last 12 months."
    )
    potential_level = fields.Selection(
        LEVELS, required=True, help="Potential level: industry growth rate and needs match."
    )
    grade = fields.Selection(GRADES, required=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty for a cell used by every company; a company's own "
        "cell wins over the shared one.",
    )

    @api.depends("value_level", "potential_level", "grade")
    def _compute_display_name(self):
        levels = dict(self._fields["value_level"]._description_selection(self.env))
        for cell in self:
            cell.display_name = self.env._(
                "Value %(value)s × Potential %(potential)s → %(grade)s",
                value=levels.get(cell.value_level, ""),
                potential=levels.get(cell.potential_level, ""),
                grade=cell.grade or "",
            )

    @api.constrains("value_level", "potential_level", "company_id")
    def _check_unique_cell(self):
        for cell in self:
            if self.search_count(
                [
                    ("id", "!=", cell.id),
                    ("value_level", "=", cell.value_level),
                    ("potential_level", "=", cell.potential_level),
                    ("company_id", "=", cell.company_id.id),
                ]
            ):
                raise ValidationError(
                    self.env._(
                        "Grade Matrix: the cell value %(value)s × potential %(potential)s "
                        "already exists for this company.",
                        value=cell.value_level,
                        potential=cell.potential_level,
                    )
                )

    @api.model
    def _crm_grade_table(self):
        """``{(company_id or False, value_level, potential_level): grade}``.

        Cached by the registry (cleared when a cell changes): no query on the
        grading of a single opportunity's customer. The grading looks up the
        partner's company first, then the shared cells, then
        :data:`DEFAULT_GRADE_MATRIX`.
        """
        return dict(self._crm_grade_cells())

    @api.model
    @tools.ormcache()
    def _crm_grade_cells(self):
        return tuple(
            ((cell.company_id.id, cell.value_level, cell.potential_level), cell.grade)
            for cell in self.sudo().search_fetch(
                [], ["company_id", "value_level", "potential_level", "grade"]
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        cells = super().create(vals_list)
        self.env.registry.clear_cache()  # _crm_grade_cells
        return cells

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    @api.model
    def _crm_lookup(self, table, company_id, value_level, potential_level):
        return (
            table.get((company_id, value_level, potential_level))
            or table.get((False, value_level, potential_level))
            or DEFAULT_GRADE_MATRIX[(value_level, potential_level)]
        )

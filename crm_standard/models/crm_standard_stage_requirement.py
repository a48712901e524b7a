from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmStandardStageRequirement(models.Model):
    """Fields an opportunity must have to enter a stage, and every later one
    (implementation guide 阶段二: 商机必填字段)."""

    _name = "crm.standard.stage.requirement"
    _description = "Required Opportunity Fields per Stage"
    _order = "stage_sequence, id"

    stage_id = fields.Many2one(
        "crm.stage",
        string="From Stage",
        required=True,
        ondelete="cascade",
        help="The fields are required to enter this stage and every later one (by sequence).",
    )
    stage_sequence = fields.Integer(related="stage_id.sequence", store=True)
    company_id = fields.Many2one("res.company", string="Company", help="Empty: every company.")
    field_ids = fields.Many2many(
        "ir.model.fields",
        string="Required Fields",
        domain=[
            ("model", "=", "crm.lead"),
            ("store", "=", True),
            ("ttype", "not in", ["one2many", "binary"]),
        ],
        ondelete="cascade",
    )
    active = fields.Boolean(default=True)

    @api.constrains("field_ids")
    def _check_crm_lead_fields(self):
        for requirement in self:
            wrong = requirement.field_ids.filtered(lambda f: f.model != "crm.lead")
            if wrong:
                raise ValidationError(
                    self.env._(
                        "Required Fields: %(fields)s are not fields of opportunities.",
                        fields=", ".join(wrong.mapped("field_description")),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache("templates")  # the form's required marks
        return records

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache("templates")
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache("templates")
        return res

    @api.model
    def _crm_required_by_stage(self, stage, company):
        """Names of the fields a lead of ``company`` needs in ``stage``."""
        if not stage:
            return set()
        requirements = self.sudo().search(
            [
                ("stage_sequence", "<=", stage.sequence),
                ("company_id", "in", [company.id, False]),
            ]
        )
        return set(requirements.field_ids.mapped("name"))

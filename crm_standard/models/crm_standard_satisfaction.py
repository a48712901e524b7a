from odoo import api, fields, models
from odoo.exceptions import ValidationError

SATISFACTION_SCORES = [
    ("1", "1 - Very Dissatisfied"),
    ("2", "2 - Dissatisfied"),
    ("3", "3 - Neutral"),
    ("4", "4 - Satisfied"),
    ("5", "5 - Very Satisfied"),
]


class CrmStandardSatisfaction(models.Model):
    """A satisfaction result (1-5 and a comment) recorded when a revisit is done."""

    _name = "crm.standard.satisfaction"
    _description = "Customer Satisfaction Result"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    date = fields.Date(required=True, default=fields.Date.context_today)
    score = fields.Integer(required=True, aggregator="avg")
    comment = fields.Text()
    user_id = fields.Many2one("res.users", "Recorded By", default=lambda self: self.env.user)
    step_id = fields.Many2one(
        "crm.standard.followup.plan.step",
        "Revisit Step",
        ondelete="set null",
        index="btree_not_null",
    )
    activity_summary = fields.Char("Revisit")

    @api.constrains("score")
    def _check_score(self):
        for result in self:
            if not 1 <= result.score <= 5:
                raise ValidationError(
                    self.env._(
                        "Satisfaction: the result must be between 1 and 5 (got %(score)s).",
                        score=result.score,
                    )
                )

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class ResPartner(models.Model):
    """Satisfaction results of revisits on the customer.

    ``crm_last_satisfaction`` (the latest 1-5 result, 0 when none) and
    ``_crm_satisfaction_scores()`` are what the customer health score reads.
    """

    _inherit = "res.partner"

    crm_satisfaction_ids = fields.One2many(
        "crm.standard.satisfaction", "partner_id", "Satisfaction Results"
    )
    crm_feedback_ids = fields.One2many("crm.standard.feedback", "partner_id", "Feedback Forms")
    crm_last_satisfaction = fields.Integer(
        "Last Satisfaction",
        compute="_compute_crm_last_satisfaction",
        store=True,
        help="The latest satisfaction result (1-5) recorded by a revisit; 0 when none.",
    )
    crm_last_satisfaction_date = fields.Date(
        "Last Satisfaction On", compute="_compute_crm_last_satisfaction", store=True
    )

    @api.depends("crm_satisfaction_ids.score", "crm_satisfaction_ids.date")
    def _compute_crm_last_satisfaction(self):
        for partner in self:
            last = partner.crm_satisfaction_ids.sorted(lambda r: (r.date, r.id), reverse=True)[:1]
            partner.crm_last_satisfaction = last.score
            partner.crm_last_satisfaction_date = last.date

    def _crm_satisfaction_scores(self, months=12):
        """``{partner id: average 1-5 result of the last months}`` of ``self``
        (customers without a result are absent); one query for the batch."""
        since = fields.Date.context_today(self) - relativedelta(months=months)
        groups = (
            self.env["crm.standard.satisfaction"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("date", ">=", since)],
                ["partner_id"],
                ["score:avg"],
            )
        )
        return {partner.id: score for partner, score in groups}

from odoo import fields, models
from odoo.tools import SQL


class CrmStandardFunnelReport(models.Model):
    """Funnel (销售漏斗): one row per lead and stage it reached.

    A lead reached a stage when it entered it, or a later one (by sequence):
    skipping a stage counts as passing it, so that the funnel narrows. Rates
    are averages of 0/100 columns, so that the pivot shows them per group.
    """

    _name = "crm.standard.funnel.report"
    _description = "Pipeline Funnel"
    _inherit = "crm.standard.lead.report.mixin"
    _auto = False
    _order = "stage_sequence, stage_id"
    _rec_name = "lead_id"

    stage_id = fields.Many2one("crm.stage", readonly=True)
    stage_sequence = fields.Integer(readonly=True, aggregator=False)
    date = fields.Datetime(string="Date Reached", readonly=True)
    type = fields.Selection([("lead", "Lead"), ("opportunity", "Opportunity")], readonly=True)
    reached_count = fields.Integer(string="Reached", readonly=True, aggregator="sum")
    next_count = fields.Integer(string="Went On", readonly=True, aggregator="sum")
    won_count = fields.Integer(string="Won", readonly=True, aggregator="sum")
    next_rate = fields.Float(
        string="Went On (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the leads that reached this stage and went on to a later one.",
    )
    won_rate = fields.Float(
        string="Won (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the leads that reached this stage and are won.",
    )
    days_in_stage = fields.Float(
        string="Days in Stage (Avg)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    days_in_stage_median = fields.Float(
        string="Days in Stage (Median)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Median of the days the leads spent in the stage (pivot and graph).",
    )

    def _read_group_select(self, aggregate_spec, query):
        # the median is not one of Odoo's aggregates: computed in SQL here
        if aggregate_spec == "days_in_stage_median:avg":
            return SQL(
                "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %s)",
                self._field_to_sql(self._table, "days_in_stage", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    def _query(self):
        """The report's SELECT; extension point (add columns with super()).
        ``crm_stage.is_won`` is NULL on a stage created without it: COALESCE, or
        the rates of its leads are NULL and AVG skips them."""
        return SQL(
            """
            WITH entries AS (
                SELECT h.lead_id, h.to_stage_id AS stage_id, MIN(h.date) AS date
                  FROM crm_standard_stage_history h
                 WHERE h.kind IN ('create', 'stage', 'won') AND h.to_stage_id IS NOT NULL
                 GROUP BY h.lead_id, h.to_stage_id
            ), reach AS (
                SELECT e.lead_id, MAX(s.sequence) AS max_seq
                  FROM entries e JOIN crm_stage s ON s.id = e.stage_id
                 GROUP BY e.lead_id
            ), spent AS (
                SELECT h.lead_id, h.from_stage_id AS stage_id, SUM(h.duration_seconds) AS secs
                  FROM crm_standard_stage_history h
                 WHERE h.kind IN ('stage', 'won') AND h.from_stage_id IS NOT NULL
                 GROUP BY h.lead_id, h.from_stage_id
            )
            SELECT l.id::bigint * 65536 + s.id AS id,
                   l.id AS lead_id, s.id AS stage_id, s.sequence AS stage_sequence,
                   MIN(e.date) OVER (PARTITION BY l.id ORDER BY s.sequence DESC, s.id DESC
                                     ROWS UNBOUNDED PRECEDING) AS date,
                   l.type, l.company_id, l.team_id, l.user_id,
                   l.crm_commercial_partner_id AS partner_id, p.customer_grade,
                   l.source_id, l.medium_id, l.campaign_id,
                   1 AS reached_count,
                   (r.max_seq > s.sequence)::int AS next_count,
                   (l.active AND COALESCE(ls.is_won, FALSE))::int AS won_count,
                   (r.max_seq > s.sequence)::int * 100.0 AS next_rate,
                   (l.active AND COALESCE(ls.is_won, FALSE))::int * 100.0 AS won_rate,
                   sp.secs / 86400.0 AS days_in_stage,
                   sp.secs / 86400.0 AS days_in_stage_median,
                   l.expected_revenue
              FROM crm_lead l
              JOIN reach r ON r.lead_id = l.id
              JOIN crm_stage s ON s.sequence <= r.max_seq
                              AND (s.team_id IS NULL OR s.team_id = l.team_id)
              JOIN crm_stage ls ON ls.id = l.stage_id
              LEFT JOIN entries e ON e.lead_id = l.id AND e.stage_id = s.id
              LEFT JOIN spent sp ON sp.lead_id = l.id AND sp.stage_id = s.id
              LEFT JOIN res_partner p ON p.id = l.crm_commercial_partner_id
            """
        )

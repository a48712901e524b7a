from odoo import fields, models
from odoo.tools import SQL


class CrmStandardConversionReport(models.Model):
    """Conversion (转化率): one row per lead, lost ones included.

    Rates are averages of 0/100 columns: ``opportunity_rate`` over every
    lead, ``win_rate`` over the closed opportunities (won or lost; open ones
    are NULL so that they do not count), ``lead_win_rate`` over every lead.
    """

    _name = "crm.standard.conversion.report"
    _description = "Lead Conversion"
    _inherit = "crm.standard.lead.report.mixin"
    _auto = False
    _order = "date desc"
    _rec_name = "lead_id"

    date = fields.Datetime(string="Created On", readonly=True)
    date_closed = fields.Datetime(string="Closed On", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    state = fields.Selection([("open", "Open"), ("won", "Won"), ("lost", "Lost")], readonly=True)
    lead_count = fields.Integer(string="Leads", readonly=True, aggregator="sum")
    opportunity_count = fields.Integer(string="Opportunities", readonly=True, aggregator="sum")
    won_count = fields.Integer(string="Won", readonly=True, aggregator="sum")
    lost_count = fields.Integer(string="Lost", readonly=True, aggregator="sum")
    opportunity_rate = fields.Float(
        string="Lead → Opportunity (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    win_rate = fields.Float(
        string="Win Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Won among the closed opportunities (won or lost).",
    )
    lead_win_rate = fields.Float(
        string="Lead → Won (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    cycle_days = fields.Float(
        string="Sales Cycle (Days)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="From creation to winning, for won opportunities.",
    )
    won_revenue = fields.Monetary(currency_field="currency_id", readonly=True, aggregator="sum")

    def _query(self):
        """The report's SELECT; extension point (add columns with super())."""
        return SQL(
            """
            SELECT l.id AS id, l.id AS lead_id, l.create_date AS date, l.date_closed,
                   l.company_id, l.team_id, l.user_id,
                   l.crm_commercial_partner_id AS partner_id, p.customer_grade,
                   l.source_id, l.medium_id, l.campaign_id, l.lost_reason_id,
                   k.state,
                   1 AS lead_count,
                   k.is_opp::int AS opportunity_count,
                   (k.state = 'won')::int AS won_count,
                   (k.state = 'lost' AND k.is_opp)::int AS lost_count,
                   k.is_opp::int * 100.0 AS opportunity_rate,
                   CASE WHEN k.is_opp AND k.state != 'open'
                        THEN (k.state = 'won')::int * 100.0 END AS win_rate,
                   (k.state = 'won')::int * 100.0 AS lead_win_rate,
                   CASE WHEN k.state = 'won' AND l.date_closed IS NOT NULL
                        THEN GREATEST(EXTRACT(EPOCH FROM l.date_closed - l.create_date), 0)
                             / 86400.0 END AS cycle_days,
                   l.expected_revenue,
                   CASE WHEN k.state = 'won' THEN l.expected_revenue ELSE 0 END AS won_revenue
              FROM crm_lead l
              JOIN crm_stage s ON s.id = l.stage_id
              LEFT JOIN res_partner p ON p.id = l.crm_commercial_partner_id
             CROSS JOIN LATERAL (
                   SELECT (l.type = 'opportunity' OR l.date_conversion IS NOT NULL) AS is_opp,
                          CASE WHEN l.active AND s.is_won THEN 'won'
                               WHEN NOT l.active AND COALESCE(l.probability, 0) = 0 THEN 'lost'
                               ELSE 'open' END AS state) k
             WHERE l.active OR COALESCE(l.probability, 0) = 0
            """
        )

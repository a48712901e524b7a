from odoo import fields, models
from odoo.tools import SQL

from ..models.crm_standard_grade_matrix import GRADES
from ..tools import create_report_view


class CrmStandardRepurchaseReport(models.Model):
    """Repurchase (复购率): one row per customer with a won deal in the last
    12 months. ``repurchase_rate`` (avg of a 0/100 column) is the share of
    them with two or more won deals in those 12 months; frequency and
    average deal size tier the customers (implementation guide §一1)."""

    _name = "crm.standard.repurchase.report"
    _description = "Customer Repurchase"
    _auto = False
    _order = "won_count_12m desc, partner_id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    customer_grade = fields.Selection(GRADES, readonly=True)
    industry_id = fields.Many2one("res.partner.industry", string="Industry", readonly=True)
    last_won_date = fields.Datetime(string="Last Purchase", readonly=True)
    first_won_date = fields.Datetime(string="First Purchase", readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True, aggregator="sum")
    repeat_count = fields.Integer(string="Repeat Customers", readonly=True, aggregator="sum")
    won_count_12m = fields.Integer(string="Deals (12 Months)", readonly=True, aggregator="sum")
    won_count = fields.Integer(string="Deals (All Time)", readonly=True, aggregator="sum")
    repurchase_rate = fields.Float(
        string="Repurchase Rate (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    purchase_frequency = fields.Float(
        string="Deals per Year",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Won deals per year since the first one (at least one year counted).",
    )
    average_deal = fields.Monetary(
        string="Average Deal Size", currency_field="currency_id", readonly=True, aggregator="avg"
    )
    won_revenue_12m = fields.Monetary(
        string="Won (12 Months)", currency_field="currency_id", readonly=True, aggregator="sum"
    )
    currency_id = fields.Many2one(related="company_id.currency_id", readonly=True)

    def _query(self):
        """The report's SELECT; extension point (add columns with super())."""
        return SQL(
            """
            WITH won AS (
                SELECT l.crm_commercial_partner_id AS partner_id,
                       COALESCE(l.date_closed, l.create_date) AS date, l.expected_revenue
                  FROM crm_lead l
                  JOIN crm_stage s ON s.id = l.stage_id AND s.is_won
                 WHERE l.active AND l.type = 'opportunity'
                   AND l.crm_commercial_partner_id IS NOT NULL
            ), per_customer AS (
                SELECT partner_id,
                       COUNT(*) FILTER (WHERE date >= (NOW() AT TIME ZONE 'UTC') - INTERVAL '12 months') AS n12,
                       COUNT(*) AS n,
                       SUM(expected_revenue) FILTER (
                           WHERE date >= (NOW() AT TIME ZONE 'UTC') - INTERVAL '12 months') AS revenue12,
                       SUM(expected_revenue) AS revenue,
                       MIN(date) AS first_date, MAX(date) AS last_date
                  FROM won GROUP BY partner_id
            )
            SELECT p.id AS id, p.id AS partner_id, p.company_id, p.user_id, p.customer_grade,
                   p.industry_id, c.last_date AS last_won_date, c.first_date AS first_won_date,
                   1 AS customer_count, (c.n12 >= 2)::int AS repeat_count,
                   c.n12 AS won_count_12m, c.n AS won_count,
                   (c.n12 >= 2)::int * 100.0 AS repurchase_rate,
                   c.n / GREATEST(EXTRACT(EPOCH FROM (NOW() AT TIME ZONE 'UTC') - c.first_date) / 31557600.0, 1.0)
                       AS purchase_frequency,
                   c.revenue / c.n AS average_deal,
                   c.revenue12 AS won_revenue_12m
              FROM per_customer c
              JOIN res_partner p ON p.id = c.partner_id
             WHERE c.n12 >= 1
            """
        )

    def init(self):
        create_report_view(self.env.cr, self._table, self._query())

from odoo import fields, models, tools
from odoo.tools import SQL

# an alarm counts when it came at least this many days before the churn
LEAD_DAYS = 60


class CrmStandardHealthBacktest(models.Model):
    """Backtest of the health score (does 'at risk' predict churn?), per
    company and month of the snapshot history.

    At the end of each month, the customers' bands are those of their latest
    snapshot; a customer churns on the first snapshot that shows it churned
    (the lifecycle rule: no deal won for the company's churn period and
    nothing open, or marked by hand), or on its manual churn date.
    Customers already churned at the end of the month are left out.

    - precision: of the customers at risk at the end of the month, the share
      that churned since;
    - recall: of the customers that churned at least 60 days after the end of
      the month, the share that were at risk then (warned in time).
    """

    _name = "crm.standard.health.backtest"
    _description = "Customer Health Backtest"
    _auto = False
    _order = "month desc, company_id"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", readonly=True)
    month = fields.Date(readonly=True)
    customer_count = fields.Integer("Customers Scored", readonly=True)
    at_risk_count = fields.Integer("At Risk", readonly=True)
    at_risk_churned_count = fields.Integer("At Risk, Churned Since", readonly=True)
    churned_count = fields.Integer(
        "Churned 60+ Days Later",
        readonly=True,
        help="Customers that churned at least 60 days after the month.",
    )
    caught_count = fields.Integer(
        "Warned in Time",
        readonly=True,
        help="Of those, the customers at risk at the end of the month.",
    )
    precision = fields.Float("Precision (%)", readonly=True, aggregator="avg")
    recall = fields.Float("Recall (%)", readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %(table)s AS (
            WITH months AS (
                SELECT c.company_id, gs::date AS month,
                       (gs + interval '1 month' - interval '1 day')::date AS month_end
                  FROM (SELECT DISTINCT company_id FROM crm_standard_health_snapshot) c,
                       generate_series(
                           (SELECT date_trunc('month', min(date)) FROM crm_standard_health_snapshot),
                           date_trunc('month', now() at time zone 'UTC'),
                           interval '1 month') gs
            ),
            churn AS (
                SELECT p.id AS partner_id,
                       LEAST(p.lifecycle_churn_date,
                             (SELECT min(s.date) FROM crm_standard_health_snapshot s
                               WHERE s.partner_id = p.id AND s.lifecycle_stage = 'churned'))
                           AS churn_date
                  FROM res_partner p
                 WHERE p.id IN (SELECT partner_id FROM crm_standard_health_snapshot)
            ),
            state AS (
                SELECT m.company_id, m.month, m.month_end, last.partner_id, last.band,
                       ch.churn_date
                  FROM months m
                  JOIN LATERAL (
                      SELECT DISTINCT ON (s.partner_id) s.partner_id, s.band
                        FROM crm_standard_health_snapshot s
                       WHERE s.company_id IS NOT DISTINCT FROM m.company_id
                         AND s.date <= m.month_end
                    ORDER BY s.partner_id, s.date DESC, s.id DESC) last ON TRUE
                  JOIN churn ch ON ch.partner_id = last.partner_id
                 WHERE ch.churn_date IS NULL OR ch.churn_date > m.month_end
            ),
            counts AS (
                SELECT company_id, month,
                       count(*) AS customer_count,
                       count(*) FILTER (WHERE band = 'at_risk') AS at_risk_count,
                       count(*) FILTER (WHERE band = 'at_risk' AND churn_date IS NOT NULL)
                           AS at_risk_churned_count,
                       count(*) FILTER (WHERE churn_date >= month_end + %(lead)s)
                           AS churned_count,
                       count(*) FILTER (WHERE band = 'at_risk'
                                          AND churn_date >= month_end + %(lead)s)
                           AS caught_count
                  FROM state
              GROUP BY company_id, month
            )
            SELECT row_number() OVER (ORDER BY month, company_id) AS id, counts.*,
                   round(100.0 * at_risk_churned_count / NULLIF(at_risk_count, 0), 1)
                       AS precision,
                   round(100.0 * caught_count / NULLIF(churned_count, 0), 1) AS recall
              FROM counts)
            """,
                table=SQL.identifier(self._table),
                lead=LEAD_DAYS,
            )
        )

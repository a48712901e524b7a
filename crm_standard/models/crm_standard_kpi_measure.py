"""The measures shipped with crm_standard (see ``_crm_kpi_measures``).

Each ``_crm_kpi_measure_<code>(date_from, date_to)`` runs one grouped query
for all the KPIs of ``self`` (whatever their scope and company) and returns
``{kpi id: value or None}``. The query yields rows ``(company, sales team,
salesperson, numerator, denominator)``; ``_crm_kpi_from_rows`` adds them up
per KPI scope: the salesperson of a scope is the same field the "own
documents" record rules use (the customer's, the lead's salesperson), so a
salesperson's value is computed on exactly the documents they see. The
sales team of a customer is its salesperson's main team (``sale_team_id``);
leads have their own.
"""

from odoo import api, models
from odoo.tools import SQL

# active customers: commercial partners marked customer
CUSTOMERS_SQL = SQL("p.active AND p.is_crm_customer AND p.parent_id IS NULL")
ALL_SQL = SQL("TRUE")
NO_SQL = SQL("")


class CrmStandardKpi(models.Model):
    _inherit = "crm.standard.kpi"

    # -- customers, now --------------------------------------------------------
    def _crm_kpi_customer_share(self, numerator, denominator=ALL_SQL):
        """Per scope, 100 × customers matching ``numerator`` / customers
        matching ``denominator``, now."""
        return self._crm_kpi_rows(
            SQL(
                """
            SELECT p.company_id, su.sale_team_id, p.user_id,
                   100.0 * COUNT(*) FILTER (WHERE %(num)s AND %(den)s),
                   COUNT(*) FILTER (WHERE %(den)s)
              FROM res_partner p
              LEFT JOIN res_users su ON su.id = p.user_id
             WHERE %(customers)s AND %(companies)s
             GROUP BY 1, 2, 3
            """,
                num=numerator,
                den=denominator,
                customers=CUSTOMERS_SQL,
                companies=self._crm_kpi_company_sql("p"),
            )
        )

    @api.readonly
    def _crm_kpi_measure_completeness_full(self, date_from, date_to):
        return self._crm_kpi_customer_share(SQL("p.completeness_score >= 100"))

    @api.readonly
    def _crm_kpi_measure_completeness_avg(self, date_from, date_to):
        return self._crm_kpi_rows(
            SQL(
                """
            SELECT p.company_id, su.sale_team_id, p.user_id,
                   SUM(COALESCE(p.completeness_score, 0)), COUNT(*)
              FROM res_partner p
              LEFT JOIN res_users su ON su.id = p.user_id
             WHERE %(customers)s AND %(companies)s
             GROUP BY 1, 2, 3
            """,
                customers=CUSTOMERS_SQL,
                companies=self._crm_kpi_company_sql("p"),
            )
        )

    @api.readonly
    def _crm_kpi_measure_churn_rate(self, date_from, date_to):
        return self._crm_kpi_customer_share(SQL("p.lifecycle_stage = 'churned'"))

    @api.readonly
    def _crm_kpi_measure_at_risk_share(self, date_from, date_to):
        return self._crm_kpi_customer_share(SQL("p.crm_health_band = 'at_risk'"))

    @api.readonly
    def _crm_kpi_measure_grade_mix(self, date_from, date_to):
        return self._crm_kpi_customer_share(
            SQL("p.customer_grade IN ('S', 'A')"), SQL("p.customer_grade IS NOT NULL")
        )

    # -- pipeline ----------------------------------------------------------------
    @api.readonly
    def _crm_kpi_measure_lead_conversion(self, date_from, date_to):
        # won / lost as the Conversion report: won = active in a won stage,
        # lost = archived at probability 0; closed in the period
        start, end = self._crm_kpi_window(date_from, date_to)
        return self._crm_kpi_rows(
            SQL(
                """
            SELECT l.company_id, l.team_id, l.user_id,
                   100.0 * COUNT(*) FILTER (WHERE l.active AND s.is_won),
                   COUNT(*)
              FROM crm_lead l
              JOIN crm_stage s ON s.id = l.stage_id
             WHERE l.date_closed >= %(start)s AND l.date_closed < %(end)s
               AND ((l.active AND s.is_won)
                    OR (NOT l.active AND COALESCE(l.probability, 0) = 0))
               AND %(companies)s
             GROUP BY 1, 2, 3
            """,
                start=start,
                end=end,
                companies=self._crm_kpi_company_sql("l"),
            )
        )

    @api.readonly
    def _crm_kpi_measure_lead_first_response(self, date_from, date_to):
        # the salesperson's first done activity (a message with an activity
        # type) or first message to the customer (not an internal note)
        start, end = self._crm_kpi_window(date_from, date_to)
        return self._crm_kpi_rows(
            SQL(
                """
            SELECT l.company_id, l.team_id, l.user_id,
                   SUM(EXTRACT(EPOCH FROM r.date - l.create_date) / 3600.0), COUNT(*)
              FROM crm_lead l
              JOIN res_users u ON u.id = l.user_id
             CROSS JOIN LATERAL (
                   SELECT MIN(m.date) AS date
                     FROM mail_message m
                     LEFT JOIN mail_message_subtype st ON st.id = m.subtype_id
                    WHERE m.model = 'crm.lead' AND m.res_id = l.id
                      AND m.author_id = u.partner_id AND m.date >= l.create_date
                      AND (m.mail_activity_type_id IS NOT NULL
                           OR (m.message_type IN ('comment', 'email')
                               AND NOT COALESCE(st.internal, FALSE)))) r
             WHERE l.create_date >= %(start)s AND l.create_date < %(end)s
               AND r.date IS NOT NULL AND %(companies)s
             GROUP BY 1, 2, 3
            """,
                start=start,
                end=end,
                companies=self._crm_kpi_company_sql("l"),
            )
        )

    @api.readonly
    def _crm_kpi_measure_repurchase_rate(self, date_from, date_to):
        # the Repurchase report's rate on the 12 months up to date_to:
        # customers with a won deal then, share of them with two or more
        __, end = self._crm_kpi_window(date_from, date_to)
        return self._crm_kpi_rows(
            SQL(
                """
            WITH won AS (
                SELECT l.crm_commercial_partner_id AS partner_id, COUNT(*) AS n
                  FROM crm_lead l
                  JOIN crm_stage s ON s.id = l.stage_id AND s.is_won
                 WHERE l.active AND l.type = 'opportunity'
                   AND l.crm_commercial_partner_id IS NOT NULL
                   AND COALESCE(l.date_closed, l.create_date) >= %(end)s - INTERVAL '12 months'
                   AND COALESCE(l.date_closed, l.create_date) < %(end)s
                 GROUP BY 1
            )
            SELECT p.company_id, su.sale_team_id, p.user_id,
                   100.0 * COUNT(*) FILTER (WHERE w.n >= 2), COUNT(*)
              FROM won w
              JOIN res_partner p ON p.id = w.partner_id
              LEFT JOIN res_users su ON su.id = p.user_id
             WHERE %(companies)s
             GROUP BY 1, 2, 3
            """,
                end=end,
                companies=self._crm_kpi_company_sql("p"),
            )
        )

    # -- service -------------------------------------------------------------------
    # tickets: the salesperson scope is the agent the ticket is assigned to,
    # the sales team the one of the customer's salesperson
    def _crm_kpi_ticket_rows(self, aggregates, where, join=NO_SQL):
        """Rows of the active tickets matching ``where``, with ``aggregates``
        (numerator, denominator)."""
        return self._crm_kpi_rows(
            SQL(
                """
            SELECT t.company_id, su.sale_team_id, t.user_id, %(aggregates)s
              FROM crm_standard_ticket t
              %(join)s
              LEFT JOIN res_partner p ON p.id = t.commercial_partner_id
              LEFT JOIN res_users su ON su.id = p.user_id
             WHERE t.active AND %(where)s AND %(companies)s
             GROUP BY 1, 2, 3
            """,
                aggregates=aggregates,
                join=join,
                where=where,
                companies=self._crm_kpi_company_sql("t"),
            )
        )

    @api.readonly
    def _crm_kpi_measure_ticket_first_response(self, date_from, date_to):
        start, end = self._crm_kpi_window(date_from, date_to)
        return self._crm_kpi_ticket_rows(
            SQL("SUM(t.first_response_hours), COUNT(*)"),
            SQL(
                "t.first_response_date IS NOT NULL "
                "AND t.date_received >= %s AND t.date_received < %s",
                start,
                end,
            ),
        )

    @api.readonly
    def _crm_kpi_measure_sla_compliance(self, date_from, date_to):
        start, end = self._crm_kpi_window(date_from, date_to)
        return self._crm_kpi_ticket_rows(
            SQL(
                "100.0 * COUNT(*) FILTER (WHERE t.sla_status IS DISTINCT FROM 'breached'), COUNT(*)"
            ),
            SQL("t.sla_id IS NOT NULL AND t.solve_date >= %s AND t.solve_date < %s", start, end),
        )

    @api.readonly
    def _crm_kpi_measure_satisfaction(self, date_from, date_to):
        start, end = self._crm_kpi_window(date_from, date_to)
        return self._crm_kpi_ticket_rows(
            SQL("SUM(r.rating), COUNT(*)"),
            SQL(
                "r.consumed AND r.rating > 0 AND t.date_received >= %s AND t.date_received < %s",
                start,
                end,
            ),
            join=SQL(
                "JOIN rating_rating r ON r.res_model = 'crm.standard.ticket' AND r.res_id = t.id"
            ),
        )

    # -- follow-ups and pool ----------------------------------------------------
    @api.readonly
    def _crm_kpi_measure_followup_on_time(self, date_from, date_to):
        return self._crm_kpi_rows(
            SQL(
                """
            SELECT r.company_id, su.sale_team_id, r.user_id,
                   100.0 * COUNT(*) FILTER (
                       WHERE r.state = 'done' AND r.date_done <= r.due_date),
                   COUNT(*)
              FROM crm_standard_followup_reminder r
              LEFT JOIN res_users su ON su.id = r.user_id
             WHERE r.state != 'cancelled'
               AND r.due_date >= %(date_from)s AND r.due_date <= %(date_to)s
               AND %(companies)s
             GROUP BY 1, 2, 3
            """,
                date_from=date_from,
                date_to=date_to,
                companies=self._crm_kpi_company_sql("r"),
            )
        )

    @api.readonly
    def _crm_kpi_measure_pool_claims(self, date_from, date_to):
        return self._crm_kpi_rows(
            SQL(
                """
            SELECT c.company_id, su.sale_team_id, c.user_id, COUNT(*), NULL
              FROM crm_standard_pool_claim c
              JOIN res_users su ON su.id = c.user_id
             WHERE c.date >= %(date_from)s AND c.date <= %(date_to)s AND %(companies)s
             GROUP BY 1, 2, 3
            """,
                date_from=date_from,
                date_to=date_to,
                companies=self._crm_kpi_company_sql("c"),
            )
        )

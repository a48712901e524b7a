from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..tools import array_literal
from ..tools.partner import LIFECYCLE_STAGES
from .crm_standard_grade_matrix import GRADES
from .res_partner_health import HEALTH_BANDS


class CrmStandardHealthSnapshot(models.Model):
    """Health of a customer on a day (客户健康度快照): written by the health
    computation when the score or the band changes, and at least monthly; one
    row per customer and day. Feeds the trend on the customer form, the
    Customer Health report and the backtest."""

    _name = "crm.standard.health.snapshot"
    _description = "Customer Health Snapshot"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    date = fields.Date(required=True, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    score = fields.Integer(readonly=True, aggregator="avg")
    band = fields.Selection(HEALTH_BANDS, readonly=True)
    grade = fields.Selection(GRADES, readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)

    def init(self):
        tools.create_unique_index(
            self.env.cr,
            "crm_standard_health_snapshot_partner_date_uniq",
            self._table,
            ["partner_id", "date"],
        )

    @api.model
    def _crm_write_snapshots(self, partner_ids, today):
        """One snapshot per customer of ``partner_ids`` for ``today`` from its
        stored health, in one INSERT ... SELECT (a second one the same day
        replaces the first)."""
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO crm_standard_health_snapshot
                   (date, partner_id, company_id, score, band, grade, lifecycle_stage, user_id,
                    create_uid, write_uid, create_date, write_date)
            SELECT %(today)s, p.id, p.company_id, p.crm_health_score, p.crm_health_band,
                   p.customer_grade, p.lifecycle_stage, p.user_id,
                   %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM res_partner p WHERE p.id = ANY(%(ids)s::int[])
            ON CONFLICT (partner_id, date) DO UPDATE
               SET score = EXCLUDED.score, band = EXCLUDED.band, grade = EXCLUDED.grade,
                   lifecycle_stage = EXCLUDED.lifecycle_stage, user_id = EXCLUDED.user_id,
                   write_date = EXCLUDED.write_date
            """,
                today=today,
                uid=self.env.uid,
                ids=array_literal("int", partner_ids),
            )
        )
        self.invalidate_model()
        self.env["res.partner"].browse(partner_ids).invalidate_recordset(
            ["crm_health_snapshot_ids"]
        )

    @api.model
    def _crm_demo_history(self):
        """Demo data: a year of monthly snapshots for the demo customers (four
        profiles: healthy, declining then churned, a false alarm, watch), so
        the trend, the Customer Health report and the backtest are not empty;
        the customers are backdated past the 'new' period and scored today."""
        customers = self.env["res.partner"].search(
            [("is_crm_customer", "=", True), ("parent_id", "=", False)], order="id"
        )
        if not customers:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET create_date = create_date - interval '400 days' "
                "WHERE id = ANY(%s::int[]) AND create_date > now() - interval '400 days'",
                array_literal("int", customers.ids),
            )
        )
        customers.invalidate_recordset(["create_date"])
        today = fields.Date.context_today(self)
        first = today.replace(day=15)
        profiles = {
            0: [82, 80, 84, 81, 79, 83, 85, 80, 82, 84, 81, 83],
            1: [72, 66, 58, 49, 41, 35, 31, 28, 25, 22, 20, 18],
            2: [70, 61, 45, 38, 34, 39, 52, 63, 71, 74, 76, 78],
            3: [55, 58, 52, 50, 57, 60, 54, 51, 56, 59, 53, 55],
        }
        Partner = self.env["res.partner"]
        vals_list = []
        for index, customer in enumerate(customers):
            profile = index % 4
            company = customer.company_id or self.env.company
            for month, score in enumerate(profiles[profile]):
                date = first - relativedelta(months=12 - month)
                churned = profile == 1 and month >= 9
                vals_list.append(
                    {
                        "date": date,
                        "partner_id": customer.id,
                        "company_id": customer.company_id.id,
                        "score": score,
                        "band": Partner._crm_health_band_of(score, company),
                        "grade": customer.customer_grade,
                        "lifecycle_stage": "churned" if churned else "repeat",
                        "user_id": customer.user_id.id,
                    }
                )
        self.create(vals_list)
        Partner._cron_crm_health()

from odoo import api, fields, models
from odoo.tools import SQL

HISTORY_KINDS = [
    ("create", "Created"),
    ("stage", "Stage Change"),
    ("won", "Won"),
    ("lost", "Lost"),
    ("restored", "Restored"),
]


class CrmStandardStageHistory(models.Model):
    """One row per stage change of a lead or opportunity (阶段历史).

    Written by ``crm.lead.write``/``create`` in one INSERT per write, whatever
    the number of leads moved; rebuilt from Odoo's own stage tracking on
    install. The funnel and conversion reports read it.
    """

    _name = "crm.standard.stage.history"
    _description = "Opportunity Stage History"
    _order = "date desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one(
        "crm.lead", string="Lead/Opportunity", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        index=True,
        help="Salesperson of the lead at that moment.",
    )
    changed_by_id = fields.Many2one("res.users")
    from_stage_id = fields.Many2one("crm.stage", ondelete="set null")
    to_stage_id = fields.Many2one("crm.stage", ondelete="set null", index=True)
    date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)
    kind = fields.Selection(HISTORY_KINDS, required=True, default="stage", index=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", ondelete="set null")
    duration_seconds = fields.Integer(
        string="Seconds in Stage Left",
        aggregator="avg",
        help="Time the lead spent in the stage it left.",
    )
    duration_days = fields.Float(
        string="Days in Stage Left",
        compute="_compute_duration_days",
        store=True,
        precompute=True,  # in the INSERT of the row, not an UPDATE after it
        aggregator="avg",
        digits=(16, 2),
    )
    expected_revenue = fields.Monetary(
        currency_field="currency_id",
        aggregator="sum",
        help="Expected revenue of the lead at that moment (its current one for "
        "rows rebuilt from the tracking of an existing database).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")

    @api.depends("duration_seconds")
    def _compute_duration_days(self):
        for row in self:
            row.duration_days = (row.duration_seconds or 0) / 86400.0

    @api.model
    def _crm_rebuild_from_tracking(self):
        """History of the leads that have none, from Odoo's stage tracking.

        Set-based: one INSERT ... SELECT for every lead of the database. A
        lead gets a creation row (its first tracked ``from`` stage, else its
        current stage), a row per tracked stage change, and a lost row when
        it is lost (archived at probability 0). Idempotent: leads that have a
        history are left alone.
        """
        field = self.env["ir.model.fields"]._get("crm.lead", "stage_id")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            WITH todo AS (
                SELECT l.* FROM crm_lead l
                 WHERE NOT EXISTS (
                       SELECT 1 FROM crm_standard_stage_history h WHERE h.lead_id = l.id)
            ), tracked AS (
                SELECT m.res_id AS lead_id, v.old_value_integer AS from_stage,
                       v.new_value_integer AS to_stage, m.date AS date,
                       m.create_uid AS changed_by, v.id AS vid
                  FROM mail_tracking_value v
                  JOIN mail_message m ON m.id = v.mail_message_id
                  JOIN todo ON todo.id = m.res_id
                 WHERE v.field_id = %(field)s AND m.model = 'crm.lead'
            ), steps AS (
                SELECT t.*,
                       LAG(t.date) OVER (PARTITION BY t.lead_id ORDER BY t.date, t.vid) AS prev,
                       ROW_NUMBER() OVER (PARTITION BY t.lead_id ORDER BY t.date, t.vid) AS n
                  FROM tracked t
            )
            INSERT INTO crm_standard_stage_history (
                lead_id, company_id, team_id, user_id, changed_by_id, from_stage_id,
                to_stage_id, date, kind, lost_reason_id, duration_seconds, duration_days,
                expected_revenue, create_uid, write_uid, create_date, write_date)
            SELECT lead_id, company_id, team_id, user_id, changed_by_id, from_stage_id,
                   to_stage_id, date, kind, lost_reason_id, duration_seconds, duration_days,
                   expected_revenue, create_uid, write_uid, create_date, write_date
              FROM (
            SELECT l.id, l.company_id, l.team_id, l.user_id, l.create_uid, NULL::int,
                   COALESCE(s.from_stage, l.stage_id), l.create_date, 'create', NULL::int,
                   NULL::int, 0::float8,
                   l.expected_revenue, %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC',
                   NOW() AT TIME ZONE 'UTC', 0::bigint AS ord
              FROM todo l
              LEFT JOIN steps s ON s.lead_id = l.id AND s.n = 1
             UNION ALL
            SELECT l.id, l.company_id, l.team_id, l.user_id, s.changed_by, s.from_stage,
                   s.to_stage, s.date,
                   CASE WHEN st.is_won THEN 'won' ELSE 'stage' END, NULL::int,
                   d.secs, d.secs / 86400.0,
                   l.expected_revenue, %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC',
                   NOW() AT TIME ZONE 'UTC', s.n
              FROM steps s
              JOIN todo l ON l.id = s.lead_id
              LEFT JOIN crm_stage st ON st.id = s.to_stage
             CROSS JOIN LATERAL (
                   SELECT GREATEST(EXTRACT(EPOCH FROM s.date - COALESCE(s.prev, l.create_date)),
                                   0)::int AS secs) d
             UNION ALL
            SELECT l.id, l.company_id, l.team_id, l.user_id, l.write_uid, l.stage_id,
                   l.stage_id, COALESCE(l.date_closed, l.write_date), 'lost', l.lost_reason_id,
                   NULL::int, 0::float8, l.expected_revenue, %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC',
                   NOW() AT TIME ZONE 'UTC', 1000000000
              FROM todo l
             WHERE NOT l.active AND l.probability = 0
            ) AS rows(lead_id, company_id, team_id, user_id, changed_by_id, from_stage_id,
                to_stage_id, date, kind, lost_reason_id, duration_seconds, duration_days,
                expected_revenue, create_uid, write_uid, create_date, write_date, ord)
             ORDER BY lead_id, ord
            """,
                field=field.id,
                uid=self.env.uid,
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model()
        return count

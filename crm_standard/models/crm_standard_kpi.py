import logging
from collections import defaultdict
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, date_utils

from ..tools import CONCURRENCY_ERRORS, array_literal, check_protected_fields

_logger = logging.getLogger(__name__)

PERIODS = [("week", "Week"), ("month", "Month"), ("quarter", "Quarter")]
SCOPES = [("company", "Company"), ("team", "Sales Team"), ("user", "Salesperson")]
DIRECTIONS = [("higher", "Higher is better"), ("lower", "Lower is better")]
UNITS = [("percent", "%"), ("hours", "h"), ("count", "Count"), ("score", "Score")]
KPI_STATUSES = [
    ("no_data", "No Data"),
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("missed", "Missed"),
]
PERIOD_DELTA = {
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "quarter": relativedelta(months=3),
}
PERIOD_DAYS = {"week": 7, "month": 30, "quarter": 91}


def period_bounds(period, day):
    """First and last day of the ``period`` (week from Monday, month,
    calendar quarter) that contains ``day``."""
    return date_utils.start_of(day, period), date_utils.end_of(day, period)


class CrmStandardKpi(models.Model):
    """A measurable goal of the CRM (实施指南 阶段一: 设定可衡量的目标): a
    measure over a scope (company, sales team, salesperson), per period, with
    a baseline, a target and a deadline. The daily scheduled action stores
    its value per period (``value_ids``) and its status."""

    _name = "crm.standard.kpi"
    _description = "CRM KPI"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    measure = fields.Selection(selection="_crm_kpi_measure_selection", required=True, tracking=True)
    period = fields.Selection(PERIODS, required=True, default="month", tracking=True)
    scope = fields.Selection(SCOPES, required=True, default="company", tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    team_id = fields.Many2one("crm.team", "Sales Team", check_company=True, tracking=True)
    user_id = fields.Many2one("res.users", "Salesperson", check_company=True, tracking=True)
    direction = fields.Selection(DIRECTIONS, required=True, default="higher", tracking=True)
    unit = fields.Selection(UNITS, required=True, default="percent")
    baseline_mode = fields.Selection(
        [("go_live", "Captured at Go-Live"), ("manual", "Typed")],
        string="Baseline",
        required=True,
        default="go_live",
        tracking=True,
        help="Captured at go-live: the first daily run on or after the company's go-live "
        "date (Settings) stores the value of the period before it.",
    )
    baseline_value = fields.Float(tracking=True)
    baseline_date = fields.Date(
        readonly=True, help="When the baseline was captured (go-live) or typed."
    )
    target_mode = fields.Selection(
        [("absolute", "Absolute"), ("relative", "Relative to Baseline (%)")],
        string="Target Type",
        required=True,
        default="absolute",
        tracking=True,
    )
    target_input = fields.Float(
        "Target",
        tracking=True,
        help="Absolute: the value to reach. Relative: the change in % of the baseline "
        "(15 = baseline + 15 %).",
    )
    target_value = fields.Float(
        compute="_compute_target_value", store=True, help="The value to reach."
    )
    deadline_months = fields.Integer(
        "Months after Go-Live",
        help="When set, the deadline is this many months after the company's go-live date.",
    )
    deadline = fields.Date(compute="_compute_deadline", store=True, readonly=False, tracking=True)
    owner_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        check_company=True,
        tracking=True,
        help="Told once when the KPI turns at risk.",
    )
    last_value = fields.Float(readonly=True)
    last_date = fields.Date("Last Computed", readonly=True)
    status = fields.Selection(
        KPI_STATUSES, readonly=True, default="no_data", tracking=True, index=True
    )
    at_risk_notified = fields.Boolean(
        readonly=True, copy=False, help="The owner was told it is at risk (reset once it is not)."
    )
    value_ids = fields.One2many("crm.standard.kpi.value", "kpi_id", "History", readonly=True)
    description = fields.Text(compute="_compute_description")

    # -- measures registry ---------------------------------------------------
    @api.model
    def _crm_kpi_measures(self):
        """The measures a KPI can use: ``{code: {"name", "unit", "direction",
        "description"}}``. Each ``code`` is computed by
        ``_crm_kpi_measure_<code>(date_from, date_to)`` on the KPIs of that
        measure, returning ``{kpi id: value or None}``; set-based (one query
        for all the KPIs, whatever their scope).

        Extension point: add a key (super() then update) and its method.
        """
        _ = self.env._

        def spec(name, unit, direction, description):
            return {"name": name, "unit": unit, "direction": direction, "description": description}

        return {
            "completeness_full": spec(
                _("Customers with Complete Data (%)"),
                "percent",
                "higher",
                _("Share of customers whose data completeness is 100 %, now."),
            ),
            "completeness_avg": spec(
                _("Average Data Completeness (%)"),
                "percent",
                "higher",
                _("Average data completeness score of the customers, now."),
            ),
            "lead_conversion": spec(
                _("Lead Conversion Rate (%)"),
                "percent",
                "higher",
                _("Leads and opportunities won / (won + lost), closed in the period."),
            ),
            "lead_first_response": spec(
                _("Lead First Response (h)"),
                "hours",
                "lower",
                _(
                    "Average hours from a lead's creation to the salesperson's first "
                    "done activity or message, for the leads created in the period."
                ),
            ),
            "ticket_first_response": spec(
                _("Ticket First Response (working h)"),
                "hours",
                "lower",
                _(
                    "Average first response time in working hours (SLA clock) of the "
                    "tickets received in the period and answered."
                ),
            ),
            "sla_compliance": spec(
                _("SLA Compliance (%)"),
                "percent",
                "higher",
                _("Share of the tickets solved in the period that met their SLA."),
            ),
            "satisfaction": spec(
                _("Average Satisfaction (1-5)"),
                "score",
                "higher",
                _("Average of the customer ratings of tickets received in the period."),
            ),
            "repurchase_rate": spec(
                _("Repurchase Rate (%)"),
                "percent",
                "higher",
                _(
                    "Share of the customers who won a deal in the period that had "
                    "already won one before."
                ),
            ),
            "churn_rate": spec(
                _("Churn Rate (%)"),
                "percent",
                "lower",
                _("Share of customers in the lifecycle stage Churned, now."),
            ),
            "at_risk_share": spec(
                _("Customers at Risk (%)"),
                "percent",
                "lower",
                _("Share of customers in the health band At Risk, now."),
            ),
            "grade_mix": spec(
                _("Customers Graded S or A (%)"),
                "percent",
                "higher",
                _("Share of graded customers in grade S or A, now."),
            ),
            "followup_on_time": spec(
                _("Follow-ups on Time (%)"),
                "percent",
                "higher",
                _(
                    "Share of the follow-up reminders due in the period that were done "
                    "by their deadline."
                ),
            ),
            "pool_claims": spec(
                _("Pool Claims"),
                "count",
                "higher",
                _("Customers claimed from the public pool in the period."),
            ),
        }

    @api.model
    def _crm_kpi_measure_selection(self):
        return [(code, spec["name"]) for code, spec in self._crm_kpi_measures().items()]

    @api.depends("measure")
    def _compute_description(self):
        measures = self._crm_kpi_measures()
        for kpi in self:
            kpi.description = measures.get(kpi.measure, {}).get("description", False)

    @api.depends("target_mode", "target_input", "baseline_value")
    def _compute_target_value(self):
        for kpi in self:
            if kpi.target_mode == "relative":
                kpi.target_value = kpi.baseline_value * (1 + kpi.target_input / 100.0)
            else:
                kpi.target_value = kpi.target_input

    @api.depends("deadline_months", "company_id.crm_kpi_go_live_date")
    def _compute_deadline(self):
        for kpi in self:
            go_live = kpi.company_id.crm_kpi_go_live_date
            if kpi.deadline_months and go_live:
                kpi.deadline = go_live + relativedelta(months=kpi.deadline_months)

    @api.onchange("measure")
    def _onchange_measure(self):
        spec = self._crm_kpi_measures().get(self.measure)
        if spec:
            self.unit = spec["unit"]
            self.direction = spec["direction"]

    @api.constrains("scope", "team_id", "user_id")
    def _check_scope(self):
        for kpi in self:
            if kpi.scope == "team" and not kpi.team_id:
                raise ValidationError(
                    self.env._(
                        "KPI '%(kpi)s': Sales Team is required for the scope Sales Team.",
                        kpi=kpi.name,
                    )
                )
            if kpi.scope == "user" and not kpi.user_id:
                raise ValidationError(
                    self.env._(
                        "KPI '%(kpi)s': Salesperson is required for the scope Salesperson.",
                        kpi=kpi.name,
                    )
                )

    # -- system-set fields -------------------------------------------------------
    @api.model
    def _crm_protected_fields(self):
        """``{field: group or None}`` only the daily KPI action writes (see
        ``tools/protected.py``). Extension point."""
        return dict.fromkeys(
            ["last_value", "last_date", "status", "at_risk_notified", "baseline_date"]
        )

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, [vals])
        return super().write(vals)

    # -- measure helpers -----------------------------------------------------------
    @api.model
    def _crm_kpi_window(self, date_from, date_to):
        """The UTC datetimes ``[start, end)`` of the days ``date_from`` to
        ``date_to``, for datetime columns."""
        return (
            datetime.combine(date_from, time.min),
            datetime.combine(date_to + relativedelta(days=1), time.min),
        )

    def _crm_kpi_company_sql(self, alias):
        """``alias.company_id`` among the companies of the KPIs (or shared)."""
        return SQL(
            "(%(col)s = ANY(%(ids)s::int[]) OR %(col)s IS NULL)",
            col=SQL.identifier(alias, "company_id"),
            ids=array_literal("int", self.company_id.ids),
        )

    def _crm_kpi_rows(self, query):
        """Run ``query`` (rows ``company, team, user, numerator, denominator``)
        and add them up per KPI of ``self``: ``{kpi id: numerator /
        denominator}`` (``None`` without data); a measure in the unit
        ``count`` gives the numerator (0 without data). Rows without company
        count for every company."""
        self.env.flush_all()
        self.env.cr.execute(query)
        totals = defaultdict(lambda: [0.0, 0.0])
        for company_id, team_id, user_id, num, den in self.env.cr.fetchall():
            for key in (
                ("company", company_id, None),
                ("team", company_id, team_id),
                ("user", company_id, user_id),
            ):
                total = totals[key]
                total[0] += num or 0.0
                total[1] += den or 0.0
        units = {code: spec["unit"] for code, spec in self._crm_kpi_measures().items()}
        result = {}
        for kpi in self:
            scope_id = {"company": None, "team": kpi.team_id.id, "user": kpi.user_id.id}[kpi.scope]
            num = den = 0.0
            for company_id in (kpi.company_id.id, None):
                total = totals.get((kpi.scope, company_id, scope_id), (0.0, 0.0))
                num += total[0]
                den += total[1]
            if units.get(kpi.measure) == "count":
                result[kpi.id] = num
            else:
                result[kpi.id] = round(num / den, 4) if den else None
        return result

    @api.readonly
    def _crm_kpi_compute(self, date_from, date_to):
        """``{kpi id: value or None}`` of the KPIs of ``self`` over the days
        ``date_from`` to ``date_to``: one call of each measure method for
        all the KPIs of that measure."""
        result = {}
        for measure, kpis in self.grouped("measure").items():
            method = getattr(kpis, f"_crm_kpi_measure_{measure}", None)
            if method is None:
                raise UserError(
                    self.env._(
                        "KPI Measure: '%(measure)s' has no method _crm_kpi_measure_%(measure)s.",
                        measure=measure,
                    )
                )
            result.update(method(date_from, date_to))
        return result

    # -- status ----------------------------------------------------------------------
    def _crm_kpi_met(self, value):
        self.ensure_one()
        if self.direction == "lower":
            return value <= self.target_value
        return value >= self.target_value

    def _crm_kpi_status(self, value, previous, today):
        """Status of the KPI at ``value`` today (``previous``: the value of
        the period before, or ``None``). Met: on track. Deadline passed:
        missed. Otherwise on track when the trend (from the previous period,
        else from the baseline) reaches the target by the deadline; at risk
        when not, or without a deadline. Extension point."""
        self.ensure_one()
        if value is None or (self.target_mode == "relative" and not self._crm_kpi_has_baseline()):
            return "no_data"
        if self._crm_kpi_met(value):
            return "on_track"
        if self.deadline and today > self.deadline:
            return "missed"
        if not self.deadline:
            return "at_risk"
        if previous is not None:
            start, days = previous, PERIOD_DAYS[self.period]
        elif self._crm_kpi_has_baseline() and self.baseline_date:
            start, days = self.baseline_value, max((today - self.baseline_date).days, 1)
        else:
            return "at_risk"
        slope_per_day = (value - start) / days
        projected = value + slope_per_day * (self.deadline - today).days
        return "on_track" if self._crm_kpi_met(projected) else "at_risk"

    def _crm_kpi_has_baseline(self):
        self.ensure_one()
        return self.baseline_mode == "manual" or bool(self.baseline_date)

    # -- daily scheduled action ------------------------------------------------
    def _crm_kpi_capture_baselines(self, today):
        """Baselines captured at go-live: the KPIs of a company whose go-live
        date has come take the value of the period just before it."""
        pending = self.filtered(
            lambda k: (
                k.baseline_mode == "go_live"
                and not k.baseline_date
                and k.company_id.crm_kpi_go_live_date
                and k.company_id.crm_kpi_go_live_date <= today
            )
        )
        for (go_live, period), kpis in pending.grouped(
            lambda k: (k.company_id.crm_kpi_go_live_date, k.period)
        ).items():
            date_to = go_live - relativedelta(days=1)
            date_from = go_live - PERIOD_DELTA[period]
            values = kpis._crm_kpi_compute(date_from, date_to)
            for kpi in kpis:
                kpi.sudo().write(
                    {"baseline_value": values.get(kpi.id) or 0.0, "baseline_date": go_live}
                )

    def _crm_kpi_update(self, today):
        """Store the value of each KPI of ``self`` for its current period (one
        row per KPI and period start, updated while the period runs), its
        status, and tell the owner once when it turns at risk."""
        self._crm_kpi_capture_baselines(today)
        rows = []
        for period, kpis in self.grouped("period").items():
            date_from, date_to = period_bounds(period, today)
            values = kpis._crm_kpi_compute(date_from, today)
            previous = kpis._crm_kpi_previous_values(date_from)
            for kpi in kpis:
                value = values.get(kpi.id)
                status = kpi._crm_kpi_status(value, previous.get(kpi.id), today)
                rows.append((kpi, date_from, date_to, value, status))
        self._crm_kpi_store(rows, today)

    def _crm_kpi_previous_values(self, date_from):
        """``{kpi id: value}`` of the last stored period before ``date_from``."""
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT ON (kpi_id) kpi_id, value
              FROM crm_standard_kpi_value
             WHERE kpi_id = ANY(%s::int[]) AND date_from < %s AND value IS NOT NULL
             ORDER BY kpi_id, date_from DESC
            """,
                array_literal("int", self.ids),
                date_from,
            )
        )
        return dict(self.env.cr.fetchall())

    def _crm_kpi_store(self, rows, today):
        """Upsert the values ``rows`` (kpi, date_from, date_to, value, status)
        in one query, then the KPIs' last value and status."""
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO crm_standard_kpi_value
                   (kpi_id, company_id, measure, period, scope, user_id, team_id,
                    date_from, date_to, value, target_value, status,
                    create_uid, write_uid, create_date, write_date)
            SELECT k.id, k.company_id, k.measure, k.period, k.scope, k.user_id, k.team_id,
                   v.date_from, v.date_to, v.value, k.target_value, v.status,
                   %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM unnest(%(ids)s::int[], %(froms)s::date[], %(tos)s::date[],
                          %(values)s::numeric[], %(statuses)s::varchar[])
                   AS v(kpi_id, date_from, date_to, value, status)
              JOIN crm_standard_kpi k ON k.id = v.kpi_id
            ON CONFLICT (kpi_id, date_from) DO UPDATE
               SET value = EXCLUDED.value, target_value = EXCLUDED.target_value,
                   status = EXCLUDED.status, date_to = EXCLUDED.date_to,
                   write_date = EXCLUDED.write_date
            """,
                uid=self.env.uid,
                ids=array_literal("int", [row[0].id for row in rows]),
                froms=[row[1] for row in rows],
                tos=[row[2] for row in rows],
                values=array_literal("numeric", [row[3] for row in rows]),
                statuses=[row[4] for row in rows],
            )
        )
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_standard_kpi k SET last_value = COALESCE(v.value, 0), last_date = %(today)s
              FROM unnest(%(ids)s::int[], %(values)s::numeric[]) AS v(kpi_id, value)
             WHERE k.id = v.kpi_id
            """,
                today=today,
                ids=array_literal("int", [row[0].id for row in rows]),
                values=array_literal("numeric", [row[3] for row in rows]),
            )
        )
        self.env["crm.standard.kpi.value"].invalidate_model()
        self.invalidate_recordset(["value_ids", "last_value", "last_date"])
        # the status through the ORM (tracked in the chatter), one write per
        # new status; the owner is told when the KPI turns at risk, the mark
        # cleared once it is not
        changes = defaultdict(self.browse)
        to_tell = self.browse()
        for kpi, __, __, __, status in rows:
            at_risk = status == "at_risk"
            if status != kpi.status or at_risk != kpi.at_risk_notified:
                changes[status] |= kpi
                if at_risk and not kpi.at_risk_notified:
                    to_tell |= kpi
        for status, kpis in changes.items():
            kpis.sudo().write({"status": status, "at_risk_notified": status == "at_risk"})
        to_tell._crm_kpi_notify_at_risk()

    def _crm_kpi_notify_at_risk(self):
        """Tell each owner, once, that the KPI turned at risk: a to-do activity
        on the KPI (one create for all). Extension point."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": kpi.id,
                    "activity_type_id": todo.id,
                    "user_id": kpi.owner_id.id,
                    "date_deadline": fields.Date.context_today(self),
                    "summary": self.env._("KPI at risk: %(kpi)s", kpi=kpi.name),
                    "note": self.env._(
                        "Value %(value)s, target %(target)s by %(deadline)s.",
                        value=kpi.last_value,
                        target=kpi.target_value,
                        deadline=kpi.deadline or "-",
                    ),
                }
                for kpi in self.filtered("owner_id")
            ]
        )

    def action_crm_kpi_refresh(self):
        """Button: compute the KPIs now (as the daily action does)."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("KPIs: only a sales manager can refresh them."))
        self.sudo()._crm_kpi_update(fields.Date.context_today(self))
        return True

    @api.model
    def _cron_crm_kpi(self, today=None, domain=None):
        """Daily: the value of each active KPI for its current period.

        KPIs already computed today are skipped (a second run, another
        worker); the others are locked ``SKIP LOCKED`` (a KPI another worker
        holds is its own), computed per measure in a savepoint, a failing
        group retried KPI by KPI and a bad KPI logged and skipped. Returns
        the number of KPIs computed."""
        today = today or fields.Date.context_today(self)
        kpis = self.sudo().search(
            [*(domain or []), "|", ("last_date", "=", False), ("last_date", "<", today)],
            order="id",
        )
        done = 0
        groups = list(kpis.grouped("measure").values())
        for index, group in enumerate(groups):
            try:
                with self.env.cr.savepoint():
                    self.env.cr.execute(
                        SQL(
                            "SELECT id FROM crm_standard_kpi WHERE id = ANY(%s::int[]) "
                            "AND (last_date IS NULL OR last_date < %s) "
                            "ORDER BY id FOR UPDATE SKIP LOCKED",
                            array_literal("int", group.ids),
                            today,
                        )
                    )
                    mine = group.browse([row[0] for row in self.env.cr.fetchall()])
                    mine._crm_kpi_update(today)
                    done += len(mine)
            except CONCURRENCY_ERRORS:
                _logger.info("crm_standard: KPIs %s changed by another transaction", group.ids)
            except Exception:  # noqa: BLE001 - retried one by one below
                _logger.warning("crm_standard: KPIs %s failed, retrying one by one", group.ids)
                for kpi in group:
                    try:
                        with self.env.cr.savepoint():
                            kpi._crm_kpi_update(today)
                            done += 1
                    except Exception:
                        _logger.exception("crm_standard: KPI %s skipped", kpi.id)
            self.env["ir.cron"]._notify_progress(done=index + 1, remaining=len(groups) - index - 1)
        return done

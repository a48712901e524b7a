import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

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


def period_bounds(period, day):
    """First and last day of the ``period`` (week from Monday, month,
    calendar quarter) that contains ``day``."""
    if period == "week":
        start = day - relativedelta(days=day.weekday())
        return start, start + relativedelta(days=6)
    if period == "quarter":
        start = day.replace(day=1, month=3 * ((day.month - 1) // 3) + 1)
        return start, start + relativedelta(months=3, days=-1)
    start = day.replace(day=1)
    return start, start + relativedelta(months=1, days=-1)


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
        "Owner",
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
                    self.env._("KPI '%(kpi)s': Sales Team is required for the scope Sales Team.")
                    % {"kpi": kpi.name}
                )
            if kpi.scope == "user" and not kpi.user_id:
                raise ValidationError(
                    self.env._("KPI '%(kpi)s': Salesperson is required for the scope Salesperson.")
                    % {"kpi": kpi.name}
                )

    # -- daily scheduled action ------------------------------------------------
    @api.model
    def _cron_crm_kpi(self):
        """Daily: store each active KPI's value for the current period."""
        return 0

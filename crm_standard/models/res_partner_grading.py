"""Customer grading (客户分级): revenue, value and potential levels, the S/A/B/C
grade, manual overrides, history, and the daily regrade."""

import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, float_round

from ..tools import array_literal, system_flag, unnest_sql, update_by_id
from ..tools.cron import run_customer_batches
from ..tools.mail import log_tracking
from ..tools.partner import _GRADE_COLUMNS, CRM_SENSITIVE_GROUPS
from .crm_standard_grade_matrix import GRADES, LEVEL_POINTS, LEVELS, POINT_LEVELS

_logger = logging.getLogger(__name__)

# cursor cache key: the settings company of the customers _crm_recompute_grades
# just locked, read once and handed to _crm_grading_revenue_by_partner
LOCKED_COMPANIES = "crm_standard.grading.locked_companies"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # -- grading (客户分级) ------------------------------------------------------
    customer_grade = fields.Selection(
        GRADES,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="S: key customer, A: potential customer, B: regular customer, C: low "
        "value. The manual override when there is one, else the computed grade.",
    )
    crm_grade_computed = fields.Selection(
        GRADES,
        string="Computed Grade",
        readonly=True,
        copy=False,
        help="Grade from the value × potential matrix, recomputed daily.",
    )
    crm_grade_manual = fields.Selection(
        GRADES,
        string="Manual Grade",
        readonly=True,
        copy=False,
        help="Approved manual override; it wins over the computed grade.",
    )
    crm_grade_manual_reason = fields.Text(string="Override Reason", readonly=True, copy=False)
    crm_value_level = fields.Selection(
        LEVELS,
        string="Value Level",
        readonly=True,
        copy=False,
        help="From the revenue of the last 12 months and the company's thresholds.",
    )
    crm_potential_level = fields.Selection(
        LEVELS,
        string="Potential Level",
        readonly=True,
        copy=False,
        help="From the industry growth rate and the needs match, combined by the "
        "company's potential rule.",
    )
    needs_match = fields.Selection(
        LEVELS,
        tracking=True,
        help="How well the customer's core needs match our products: high, "
        "partial (medium) or low.",
    )
    revenue_12m = fields.Monetary(
        string="Revenue (12 Months)",
        currency_field="crm_currency_id",
        readonly=True,
        copy=False,
        aggregator="sum",
        groups=CRM_SENSITIVE_GROUPS,
        help="Won in the last 12 months, in the company currency (by default: "
        "expected revenue of the won opportunities of the customer and its contacts).",
    )
    crm_grade_history_ids = fields.One2many(
        "crm.standard.grade.history",
        "partner_id",
        string="Grade History",
        groups="sales_team.group_sale_salesman",
    )
    crm_grade_history_count = fields.Integer(
        compute="_compute_crm_grade_counts", groups="sales_team.group_sale_salesman"
    )
    crm_grade_override_count = fields.Integer(
        compute="_compute_crm_grade_counts",
        string="Pending Overrides",
        groups="sales_team.group_sale_salesman",
    )

    def _compute_crm_grade_counts(self):
        histories = dict(
            self.env["crm.standard.grade.history"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        pending = dict(
            self.env["crm.standard.grade.override"]._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "pending")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.crm_grade_history_count = histories.get(partner._origin, 0)
            partner.crm_grade_override_count = pending.get(partner._origin, 0)

    # ---------------------------------------------------------------------
    # Grading (客户分级): inputs (extension points)
    # ---------------------------------------------------------------------
    def _crm_grading_revenue_domain(self):
        """crm.lead domain of the revenue of the customers in ``self``.

        Default: opportunities won in the last 12 months (closing date, or
        creation date when an opportunity was created already won), of the
        customers and their contacts. Override to change the window.
        """
        since = fields.Datetime.now() - relativedelta(months=12)
        return [
            ("type", "=", "opportunity"),
            ("stage_id.is_won", "=", True),
            ("crm_commercial_partner_id", "in", self.ids),
            "|",
            ("date_closed", ">=", since),
            "&",
            ("date_closed", "=", False),
            ("create_date", ">=", since),
        ]

    def _crm_grading_revenue_by_partner(self):
        """Revenue of the last 12 months of each customer in ``self``.

        Returns ``{partner id: amount}`` in the currency of the customer's
        company (or of the current company for a shared customer). Default
        source: ``expected_revenue`` of the won opportunities
        (:meth:`_crm_grading_revenue_domain`), counted on the commercial
        partner (``crm_commercial_partner_id``, stored on the lead) and
        converted at today's rate. Two grouped queries for the batch (the
        customers' companies, the revenue; the companies come with the rows
        the grading locks) plus one rate lookup per currency pair.

        Extension point: a bridge module overrides this method to count posted
        invoices or confirmed sale orders instead.
        """
        result = dict.fromkeys(self.ids, 0.0)
        if not self:
            return result
        # companies and commercial partners by grouped queries: no per-record
        # field access on batches of thousands of customers
        target_by_id = {}
        # as _crm_settings_company: a shared customer's salesperson's company,
        # else the main company (one query)
        locked = self.env.cr.cache.get(LOCKED_COMPANIES) or {}
        if all(partner_id in locked for partner_id in self.ids):
            # the grading just read them with the customers' rows
            rows = [(partner_id, locked[partner_id]) for partner_id in self.ids]
        else:
            self.flush_model(["company_id", "user_id"])
            self.env.cr.execute(
                SQL(
                    """SELECT p.id, COALESCE(p.company_id, u.company_id)
                         FROM res_partner p LEFT JOIN res_users u ON u.id = p.user_id
                        WHERE p.id IN %s""",
                    tuple(self.ids),
                )
            )
            rows = self.env.cr.fetchall()
        main_company_id = self._crm_main_company().id
        for partner_id, company_id in rows:
            target_by_id[partner_id] = company_id or main_company_id
        # the query of _read_group, without a recordset per group
        Lead = self.env["crm.lead"].sudo()
        query = Lead._where_calc(self._crm_grading_revenue_domain())
        columns = SQL(
            "%s, %s",
            Lead._field_to_sql(query.table, "crm_commercial_partner_id", query),
            Lead._field_to_sql(query.table, "company_id", query),
        )
        query.groupby = columns
        self.env.cr.execute(
            query.select(
                columns,
                SQL("SUM(%s)", Lead._field_to_sql(query.table, "expected_revenue", query)),
            )
        )
        rows = self.env.cr.fetchall()
        today = fields.Date.context_today(self)
        # company ids per customer, records once per company (not per customer)
        Company = self.env["res.company"]
        rates = {}
        for customer_id, company_id, amount in rows:
            if not amount or customer_id not in result:
                continue
            key = (company_id, target_by_id[customer_id])
            if key not in rates:
                source = Company.browse(company_id) if company_id else self.env.company
                target = Company.browse(key[1])
                rates[key] = self.env["res.currency"]._get_conversion_rate(
                    source.currency_id, target.currency_id, target, today
                )
            result[customer_id] += amount * rates[key]
        rounding = {
            company_id: Company.browse(company_id).currency_id.rounding
            for company_id in set(target_by_id.values())
        }
        for customer_id, amount in result.items():
            result[customer_id] = float_round(
                amount, precision_rounding=rounding[target_by_id[customer_id]]
            )
        return result

    @api.model
    def _crm_grading_value_level(self, revenue, company):
        """high above the high threshold, medium from the medium one (both edges
        included), low below."""
        if revenue > company.crm_grade_value_high:
            return "high"
        if revenue >= company.crm_grade_value_medium:
            return "medium"
        return "low"

    @api.model
    def _crm_grading_growth_level(self, growth_rate, company):
        """Level of an industry growth rate (%/year), same edges as the value."""
        if growth_rate > company.crm_grade_growth_high:
            return "high"
        if growth_rate >= company.crm_grade_growth_medium:
            return "medium"
        return "low"

    @api.model
    def _crm_grading_potential_level(self, growth_level, needs_level, company):
        """Combine the industry growth level and the needs match.

        The company's rule: ``average`` (points high 2, medium 1, low 0;
        average rounded down), ``min``, ``max``, ``growth`` or ``needs`` only.
        A missing input is left out; with no input the potential is low.
        """
        rule = company.crm_grade_potential_rule
        if rule == "growth":
            levels = [growth_level]
        elif rule == "needs":
            levels = [needs_level]
        else:
            levels = [growth_level, needs_level]
        points = [LEVEL_POINTS[level] for level in levels if level]
        if not points:
            return "low"
        if rule == "min":
            return POINT_LEVELS[min(points)]
        if rule == "max":
            return POINT_LEVELS[max(points)]
        return POINT_LEVELS[sum(points) // len(points)]

    # ---------------------------------------------------------------------
    # Grading: recompute
    # ---------------------------------------------------------------------
    def _crm_grading_lock_rows(self, skip_locked=False):
        """Current grading data of the customers in ``self``, rows locked.

        ``FOR NO KEY UPDATE`` keeps two transactions from grading the same
        customer at once; ``skip_locked`` (the cron) leaves a customer that
        another transaction holds to that transaction.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, COALESCE(p.company_id, u.company_id) AS company_id,
                   p.customer_grade, p.crm_grade_computed,
                   p.crm_grade_manual, p.crm_value_level, p.crm_potential_level,
                   p.revenue_12m, p.needs_match, p.industry_id, i.growth_rate
              FROM res_partner p
         LEFT JOIN res_partner_industry i ON i.id = p.industry_id
         -- a shared customer: its salesperson's company (_crm_settings_company)
         LEFT JOIN res_users u ON u.id = p.user_id
             WHERE p.id IN %s AND p.is_crm_customer
          ORDER BY p.id
               FOR NO KEY UPDATE OF p %s
            """,
                tuple(self.ids),
                SQL("SKIP LOCKED") if skip_locked else SQL(),
            )
        )
        return self.env.cr.dictfetchall()

    def _crm_recompute_grades(self, skip_locked=False):
        """Regrade the customers of ``self`` (their commercial entities).

        Revenue, value and potential levels and the computed grade are
        recomputed; the grade follows unless a manual override holds. Grade
        changes are recorded (chatter, history, value tags) and passed to
        :meth:`_crm_on_grade_changed`. A constant number of queries whatever
        the size of ``self``: one aggregate of the revenue, one UPDATE ... FROM
        unnest(...) for the changed rows, batched logging.

        :return: the customers whose grade changed
        """
        self.fetch(["commercial_partner_id"])
        customers = self.commercial_partner_id
        if not customers:
            return self.browse()
        rows = customers._crm_grading_lock_rows(skip_locked=skip_locked)
        if not rows:
            return self.browse()
        batch = self.browse([row["id"] for row in rows]).sudo()
        # the customers' settings companies are in the rows: not queried again
        self.env.cr.cache[LOCKED_COMPANIES] = {row["id"]: row["company_id"] for row in rows}
        try:
            revenue_by_id = batch._crm_grading_revenue_by_partner()
        finally:
            self.env.cr.cache.pop(LOCKED_COMPANIES, None)
        table = self.env["crm.standard.grade.matrix"]._crm_grade_table()
        main_company = self._crm_main_company()
        Matrix = self.env["crm.standard.grade.matrix"]
        Company = self.env["res.company"].sudo()
        companies, currencies, memo = {}, {}, {}
        values_by_id, old_grades = {}, {}
        for row in rows:
            company_id = row["company_id"] or main_company.id
            if company_id not in companies:
                companies[company_id] = Company.browse(company_id)
                currencies[company_id] = companies[company_id].currency_id
            company = companies[company_id]
            revenue = revenue_by_id[row["id"]]
            value = self._crm_grading_value_level(revenue, company)
            # the potential and the grade depend on few distinct inputs
            key = (company_id, value, row["industry_id"], row["growth_rate"], row["needs_match"])
            if key not in memo:
                growth = row["industry_id"] and self._crm_grading_growth_level(
                    row["growth_rate"] or 0.0, company
                )
                potential = self._crm_grading_potential_level(growth, row["needs_match"], company)
                memo[key] = (potential, Matrix._crm_lookup(table, company_id, value, potential))
            potential, computed = memo[key]
            new = {
                "customer_grade": row["crm_grade_manual"] or computed,
                "crm_grade_computed": computed,
                "crm_value_level": value,
                "crm_potential_level": potential,
                "revenue_12m": revenue,
            }
            old_revenue = row["revenue_12m"]
            if (
                any(new[f] != row[f] for f in new if f != "revenue_12m")
                or old_revenue is None
                or currencies[company_id].compare_amounts(float(old_revenue), revenue)
            ):
                values_by_id[row["id"]] = new
                old_grades[row["id"]] = row["customer_grade"]
        return batch._crm_store_grades(values_by_id, old_grades, "computed")

    def _crm_set_manual_grade(self, grade, reason=False, override=None):
        """Apply (``grade``) or clear (``grade=False``) a manual override."""
        customers = self.commercial_partner_id
        if not grade:
            customers._crm_recompute_grades()
        values_by_id, old_grades = {}, {}
        for partner in customers:
            old_grades[partner.id] = partner.customer_grade
            values_by_id[partner.id] = {
                "customer_grade": grade or partner.crm_grade_computed,
                "crm_grade_manual": grade or None,
                "crm_grade_manual_reason": (grade and reason) or None,
            }
        overrides = override and dict.fromkeys(customers.ids, override.id)
        return customers._crm_store_grades(values_by_id, old_grades, "manual", overrides)

    def _crm_store_grades(self, values_by_id, old_grades, source, override_by_id=None):
        """Write grade fields of many customers with one UPDATE, then log.

        :param dict values_by_id: ``{partner id: {field: value}}``, every dict
            with the same keys, ``customer_grade`` among them
        :param dict old_grades: ``{partner id: grade before}``
        :param str source: ``computed`` or ``manual`` (history)
        :return: the customers whose ``customer_grade`` changed
        """
        if not values_by_id:
            return self.browse()
        fnames = list(next(iter(values_by_id.values())))
        ids = list(values_by_id)
        update_by_id(
            self.browse(ids),
            {f: (_GRADE_COLUMNS[f], [values_by_id[pid][f] for pid in ids]) for f in fnames},
        )
        # An ORM write earlier in the transaction captured the old values for
        # tracking; the change is logged below, so tracking must not log it again.
        pending = self.env.cr.precommit.data.get(f"mail.tracking.{self._name}", {})
        for pid in ids:
            initial = pending.get(pid)
            for fname in fnames:
                if initial and fname in initial:
                    initial[fname] = values_by_id[pid][fname]
        changed_old = {
            pid: old_grades.get(pid) or False
            for pid in ids
            if values_by_id[pid]["customer_grade"] != old_grades.get(pid)
        }
        changed = self.browse(list(changed_old))
        if changed:
            changed._crm_log_grade_changes(
                changed_old,
                source,
                override_by_id or {},
                {pid: values_by_id[pid]["customer_grade"] for pid in changed_old},
            )
            if not system_flag(self.env, "crm_value_tags_synced_after"):
                changed.with_context(crm_value_tag_rules="grade")._crm_sync_value_tags()
            changed._crm_on_grade_changed(changed_old)
        return changed

    def _crm_grade_chatter_partners(self, old_grades, source):
        """The customers of ``self`` whose grade change goes to the chatter.

        Default: every manual change, and a computed change from one grade to
        another. A customer's first computed grade (no grade before: a new
        customer, or the first run of the grading on existing data) gets a
        history row only, the way Odoo tracks no initial value at creation: on
        100,000 customers a note each would bury their chatter and cost more
        than the grading itself (see bench/bench_grading.py).

        Extension point: return ``self`` to log first grades too.
        """
        if source == "manual":
            return self
        return self.filtered(lambda partner: old_grades[partner.id])

    def _crm_log_grade_changes(self, old_grades, source, override_by_id, new_grades):
        """Chatter tracking of ``customer_grade`` and history rows, set-based.

        The equivalent of ``tracking=True`` plus ``_message_log_batch`` (same
        author, subtype, message id and tracking values as an ORM write would
        log) for :meth:`_crm_grade_chatter_partners`, and a history row for
        every change, written with two INSERT ... SELECT statements for the
        whole batch: creating thousands of mail.message records through the
        ORM would cost far more than the grading itself (see bench/).

        :param dict new_grades: ``{partner id: grade now}``
        """
        cr = self.env.cr
        now = cr.now()
        uid = self.env.uid
        chatter = (
            self.browse()
            if self.env.context.get("tracking_disable")
            else self._crm_grade_chatter_partners(old_grades, source)
        )
        if chatter:
            bodies = {}
            if source == "manual":
                for partner in chatter:
                    bodies[partner.id] = (
                        self.env._(
                            "Manual grade: %(reason)s",
                            reason=partner.crm_grade_manual_reason or "",
                        )
                        if partner.crm_grade_manual
                        else self.env._("Manual grade removed: the computed grade applies.")
                    )
            log_tracking(
                chatter,
                "customer_grade",
                {pid: (old_grades[pid], new_grades[pid]) for pid in chatter.ids},
                bodies,
            )
        cr.execute(
            SQL(
                """
            INSERT INTO crm_standard_grade_history (
                date, partner_id, company_id, old_grade, new_grade, computed_grade,
                source, user_id, override_id, create_uid, write_uid, create_date, write_date)
            SELECT %(now)s, p.id, p.company_id, v.old_grade, p.customer_grade,
                   p.crm_grade_computed, %(source)s, %(uid)s, v.override_id,
                   %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM %(rows)s AS v(id, old_grade, override_id)
              JOIN res_partner p ON p.id = v.id
             WHERE p.id = ANY(%(ids)s::int[])
            """,
                ids=array_literal("int", self.ids),
                rows=unnest_sql(
                    [
                        ("int", self.ids),
                        ("varchar", [old_grades[pid] or None for pid in self.ids]),
                        ("int", [override_by_id.get(pid) for pid in self.ids]),
                    ]
                ),
                now=now,
                source=source,
                uid=uid,
            )
        )
        self.invalidate_recordset(["message_ids", "crm_grade_history_ids"])
        self.env["crm.standard.grade.history"].invalidate_model()

    def _crm_on_grade_changed(self, old_grade_by_partner_id):
        """Extension point: the grade of the customers in ``self`` just changed.

        Called once per batch (cron, recompute button, won/lost opportunity,
        manual override), after the history and the value tags are written.

        :param dict old_grade_by_partner_id: ``{partner id: previous grade or
            False}``; the new grade is ``partner.customer_grade``

        Default: propose the follow-up plan of the new grade where the
        company's setting says so (:meth:`_crm_propose_followup_plans`). Keep
        overrides set-based.
        """
        self._crm_propose_followup_plans(old_grade_by_partner_id)

    @api.model
    def _cron_crm_recompute_grades(self, batch_size=5000):
        """Daily: regrade every customer (the 12-month window moves with time).

        Batches of ``batch_size`` customers by increasing id, each graded with
        a constant number of queries, committed, and reported to the Odoo 18
        cron progress API. Idempotent: a second run changes nothing. Two
        workers: Odoo locks the cron job, and each batch locks its customers
        ``FOR NO KEY UPDATE SKIP LOCKED``, so a customer another transaction is
        grading is left to it. A failing batch is retried customer by customer
        in savepoints; a bad customer is logged and skipped.
        """
        Partner = self.sudo()
        ids = Partner.search([("is_crm_customer", "=", True)], order="id").ids
        return run_customer_batches(
            Partner, ids, batch_size, "_crm_recompute_grades", label="grading", logger=_logger
        )

    # =====================================================================
    # -- grading and follow-up plans actions --------------------------------
    def _crm_check_grade_manager(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("Only sales managers can do this on customer grades."))

    def action_crm_recompute_grades(self):
        """'Recompute Grades' button (managers): regrade the selected customers now."""
        self._crm_check_grade_manager()
        self.sudo()._crm_recompute_grades()
        return True

    def action_crm_clear_grade_override(self):
        self._crm_check_grade_manager()
        self.sudo()._crm_set_manual_grade(False)
        return True

    def action_crm_request_grade_override(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Request a Grade Override"),
            "res_model": "crm.standard.grade.override",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_view_crm_grade_history(self):
        return self._crm_records_action("crm_standard.crm_standard_grade_history_action")

    def action_view_crm_grade_overrides(self):
        return self._crm_records_action("crm_standard.crm_standard_grade_override_action")

"""Customer health (客户健康度) and churn risk (流失预警).

A stored 0-100 score per customer from weighted factors (contact recency,
business, service, satisfaction, follow-up discipline), a band (healthy /
watch / at risk) from the company's thresholds, a manager's override, the
"why" of every point, snapshots (history) and the retention plan an at-risk
customer gets. Recomputed daily by a batched, set-based scheduled action.

Extension points: :meth:`_crm_health_factors` lists the factors; each factor
``name`` is computed by ``_crm_health_factor_<name>`` (batch in, ``{partner
id: {"score": 0-100 or None, ...arguments}}`` out; ``None`` = no data) and
explained by ``_crm_health_sentence_<name>`` (one translated sentence from
those arguments); its weight comes from :meth:`_crm_health_weights`. A bridge
module adds invoices, sale orders or product usage as factors this way.
"""

import json
import logging
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_round

from ..tools import array_literal, update_by_id
from ..tools.cron import run_customer_batches
from ..tools.partner import CRM_SENSITIVE_GROUPS

_logger = logging.getLogger(__name__)

HEALTH_BANDS = [
    ("new", "New"),
    ("healthy", "Healthy"),
    ("watch", "Watch"),
    ("at_risk", "At Risk"),
]
SCORED_BANDS = ("healthy", "watch", "at_risk")
HEALTH_FACTORS = ("recency", "business", "service", "satisfaction", "discipline")
# company settings of the health (one write from the settings: see res_config_settings)
HEALTH_SETTINGS = (
    *(f"crm_health_weight_{name}" for name in HEALTH_FACTORS),
    "crm_health_healthy_from",
    "crm_health_risk_below",
    "crm_health_new_days",
    "crm_health_cooldown_days",
)
# columns written by the batch UPDATE, with their SQL types
_HEALTH_COLUMNS = {
    "crm_health_score": "int",
    "crm_health_band": "varchar",
    "crm_health_band_computed": "varchar",
    "crm_health_details": "jsonb",
    "crm_health_date": "date",
    "crm_health_snapshot_date": "date",
    "crm_health_override_id": "int",
    **{f"crm_health_{name}": "numeric" for name in HEALTH_FACTORS},
}


def round_half_up(value):
    """``value`` rounded to an integer the way PostgreSQL's round() does."""
    return int(float_round(value, precision_digits=0))


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_health_score = fields.Integer(
        "Health Score",
        readonly=True,
        copy=False,
        aggregator="avg",
        groups=CRM_SENSITIVE_GROUPS,
        help="0-100, from the weighted factors; empty for a new customer.",
    )
    crm_health_band = fields.Selection(
        HEALTH_BANDS,
        "Health",
        readonly=True,
        copy=False,
        index=True,
        groups=CRM_SENSITIVE_GROUPS,
        help="Healthy, watch or at risk by the company's thresholds, or the band a "
        "manager set; new customers are not scored yet.",
    )
    crm_health_band_computed = fields.Selection(
        HEALTH_BANDS, "Computed Health", readonly=True, copy=False, groups=CRM_SENSITIVE_GROUPS
    )
    crm_health_override_id = fields.Many2one(
        "crm.standard.health.override",
        "Health Override",
        readonly=True,
        copy=False,
        groups=CRM_SENSITIVE_GROUPS,
        help="The manager's band override in force; it wins over the computed band.",
    )
    crm_health_date = fields.Date("Health Scored On", readonly=True, copy=False)
    crm_health_snapshot_date = fields.Date(readonly=True, copy=False)
    crm_health_details = fields.Json(readonly=True, copy=False, groups=CRM_SENSITIVE_GROUPS)
    # sub-scores (0-100) of the factors; NULL when the factor has no data
    crm_health_recency = fields.Float(
        "Contact Recency (0-100)", readonly=True, copy=False, groups=CRM_SENSITIVE_GROUPS
    )
    crm_health_business = fields.Float(
        "Business (0-100)", readonly=True, copy=False, groups=CRM_SENSITIVE_GROUPS
    )
    crm_health_service = fields.Float(
        "Service (0-100)", readonly=True, copy=False, groups=CRM_SENSITIVE_GROUPS
    )
    crm_health_satisfaction = fields.Float(
        "Satisfaction (0-100)", readonly=True, copy=False, groups=CRM_SENSITIVE_GROUPS
    )
    crm_health_discipline = fields.Float(
        "Follow-up Discipline (0-100)", readonly=True, copy=False, groups=CRM_SENSITIVE_GROUPS
    )
    crm_health_why = fields.Html(
        "Why",
        compute="_compute_crm_health_why",
        sanitize=False,
        groups=CRM_SENSITIVE_GROUPS,
        help="The points of every factor and why.",
    )
    crm_health_drivers = fields.Html(
        "Top Drivers",
        compute="_compute_crm_health_why",
        sanitize=False,
        groups=CRM_SENSITIVE_GROUPS,
        help="The three factors that cost the most points.",
    )
    crm_health_trend = fields.Html(
        "Trend", compute="_compute_crm_health_trend", sanitize=False, groups=CRM_SENSITIVE_GROUPS
    )
    crm_health_snapshot_ids = fields.One2many(
        "crm.standard.health.snapshot",
        "partner_id",
        "Health History",
        groups=CRM_SENSITIVE_GROUPS,
    )

    # ---------------------------------------------------------------------
    # Configuration (extension points)
    # ---------------------------------------------------------------------
    @api.model
    def _crm_health_factors(self):
        """Names of the factors; each has ``_crm_health_factor_<name>``,
        ``_crm_health_sentence_<name>`` and a weight (:meth:`_crm_health_weights`)."""
        return list(HEALTH_FACTORS)

    @api.model
    def _crm_health_weights(self, company):
        """``{factor: weight}`` of ``company`` (they sum to 100)."""
        return {name: company[f"crm_health_weight_{name}"] for name in self._crm_health_factors()}

    @api.model
    def _crm_health_factor_labels(self):
        return {
            "recency": self.env._("Contact recency"),
            "business": self.env._("Business"),
            "service": self.env._("Service"),
            "satisfaction": self.env._("Satisfaction"),
            "discipline": self.env._("Follow-up discipline"),
        }

    @api.model
    def _crm_health_band_of(self, score, company):
        if score is None:
            return "new"
        if score >= company.crm_health_healthy_from:
            return "healthy"
        if score >= company.crm_health_risk_below:
            return "watch"
        return "at_risk"

    @api.model
    def _crm_health_default_cadence(self):
        """Days between contacts expected of a customer without a template."""
        return 90

    def _crm_health_explain(self):
        """``[(factor, label, points, max points, sentence)]`` of one customer,
        the factors without data last (points None)."""
        self.ensure_one()
        details = self.sudo().crm_health_details or {}
        labels = self._crm_health_factor_labels()
        lines = []
        for name in self._crm_health_factors():
            entry = details.get(name)
            if not entry:
                continue
            if entry.get("points") is None:
                sentence = self.env._("no data: its weight is spread over the other factors")
            else:
                sentence = getattr(self, f"_crm_health_sentence_{name}")(entry)
            lines.append(
                (name, labels.get(name, name), entry.get("points"), entry.get("max"), sentence)
            )
        return lines

    @api.depends("crm_health_details")
    def _compute_crm_health_why(self):
        for partner in self:
            lines = partner._crm_health_explain()
            scored = [line for line in lines if line[2] is not None]
            drivers = sorted(scored, key=lambda line: line[2] - line[3])[:3]

            def render(rows):
                return Markup("<ul class='mb-0'>%s</ul>") % Markup("").join(
                    Markup("<li><b>%s</b>: %s</li>")
                    % (
                        f"{label} {points:g}/{maximum:g}" if points is not None else label,
                        sentence,
                    )
                    for _name, label, points, maximum, sentence in rows
                )

            partner.crm_health_why = render(lines) if lines else False
            partner.crm_health_drivers = (
                render([line for line in drivers if line[2] < line[3]]) if drivers else False
            )

    def _compute_crm_health_trend(self):
        """An SVG line of the last 12 snapshots (one read for the batch)."""
        snapshots = defaultdict(list)
        for snap in (
            self.env["crm.standard.health.snapshot"]
            .sudo()
            .search([("partner_id", "in", self._origin.ids)], order="date desc, id desc")
        ):
            if len(snapshots[snap.partner_id.id]) < 12:
                snapshots[snap.partner_id.id].append(snap.score)
        for partner in self:
            scores = list(reversed(snapshots.get(partner._origin.id, [])))
            if len(scores) < 2:
                partner.crm_health_trend = False
                continue
            step = 200 / (len(scores) - 1)
            points = " ".join(f"{i * step:.0f},{40 - s * 0.4:.0f}" for i, s in enumerate(scores))
            partner.crm_health_trend = Markup(
                "<svg width='200' height='40' viewBox='-2 -2 204 44' role='img'>"
                "<polyline fill='none' stroke='currentColor' stroke-width='2' points='%s'/>"
                "</svg>"
            ) % (points,)

    # ---------------------------------------------------------------------
    # Compute and store
    # ---------------------------------------------------------------------
    def _crm_health_lock_rows(self, skip_locked=False):
        self.env.flush_all()
        return self.env.execute_query_dict(
            SQL(
                """
            SELECT p.id, p.company_id, p.create_date, p.crm_health_score,
                   p.crm_health_band, p.crm_health_band_computed, p.crm_health_override_id,
                   p.crm_health_snapshot_date, p.crm_health_details
              FROM res_partner p
             WHERE p.id IN (SELECT commercial_partner_id FROM res_partner
                             WHERE id = ANY(%s::int[]))
               AND p.is_crm_customer AND p.parent_id IS NULL
          ORDER BY p.id
               FOR NO KEY UPDATE OF p %s
            """,
                array_literal("int", self.ids),
                SQL("SKIP LOCKED") if skip_locked else SQL(),
            )
        )

    def _crm_health_score_of(self, factors, weights):
        """Score and details of one customer from ``{factor: data}`` and the
        ``{factor: weight}`` of its company: the weights of the factors
        without data are spread over the others."""
        available = {
            name: weight
            for name, weight in weights.items()
            if weight and factors[name]["score"] is not None
        }
        total = sum(available.values())
        details = {}
        for name, data in factors.items():
            entry = dict(data)
            if name in available:
                entry["max"] = round(100.0 * available[name] / total, 1)
                entry["points"] = round(data["score"] * available[name] / total, 1)
            else:
                entry.update(max=0, points=None)
            details[name] = entry
        if not total:
            return None, details
        score = sum(factors[name]["score"] * weight for name, weight in available.items()) / total
        return round_half_up(score), details

    def _crm_health_recompute(self, skip_locked=False):
        """Score the customers of ``self`` (commercial entities), set-based:
        one locking read, one query per factor, one UPDATE, one INSERT of the
        snapshots, then the batched band-change logging and retention.

        :return: the customers whose band changed
        """
        # commercial entities in SQL: no read of every partner column
        rows = self._crm_health_lock_rows(skip_locked=skip_locked)
        if not rows:
            return self.browse()
        batch = self.browse([row["id"] for row in rows]).sudo()
        today = fields.Date.context_today(self)
        Company = self.env["res.company"].sudo()
        companies, weights, new_since = {}, {}, {}
        by_factor = {
            name: getattr(batch, f"_crm_health_factor_{name}")(today)
            for name in self._crm_health_factors()
        }
        values_by_id, old_rows = {}, {}
        for row in rows:
            company_id = row["company_id"] or self.env.company.id
            if company_id not in companies:
                company = companies[company_id] = Company.browse(company_id)
                weights[company_id] = self._crm_health_weights(company)
                new_since[company_id] = today - timedelta(days=company.crm_health_new_days)
            company = companies[company_id]
            created = row["create_date"].date() if row["create_date"] else today
            if created > new_since[company_id]:
                score, details = None, None
                subscores = dict.fromkeys(by_factor)
            else:
                factors = {name: by_factor[name][row["id"]] for name in by_factor}
                score, details = self._crm_health_score_of(factors, weights[company_id])
                subscores = {name: factors[name]["score"] for name in factors}
            computed = self._crm_health_band_of(score, company)
            manual = row["crm_health_override_id"] and row["crm_health_band"]
            values = {
                "crm_health_score": score,
                "crm_health_band": manual or computed,
                "crm_health_band_computed": computed,
                "crm_health_details": details,
                **{f"crm_health_{name}": value for name, value in subscores.items()},
            }
            if (
                score != row["crm_health_score"]
                or values["crm_health_band"] != row["crm_health_band"]
                or computed != row["crm_health_band_computed"]
                or details != row["crm_health_details"]
            ):
                values_by_id[row["id"]] = values
            elif score is not None and (
                not row["crm_health_snapshot_date"]
                or row["crm_health_snapshot_date"] <= today - relativedelta(months=1)
            ):
                values_by_id[row["id"]] = values  # monthly snapshot
            old_rows[row["id"]] = row
        return batch._crm_health_store(values_by_id, old_rows, today)

    def _crm_health_store(self, values_by_id, old_rows, today, override_by_id=None):
        """Write the health of many customers with one UPDATE; a snapshot for
        those scored whose score or band changed, or whose last snapshot is a
        month old; log the band changes; start or close retention.

        :param dict values_by_id: ``{partner id: {column: value}}`` (same keys)
        :param dict old_rows: ``{partner id: row before}`` (score, band, ...)
        :return: the customers whose band changed
        """
        if not values_by_id:
            return self.browse()
        ids = list(values_by_id)
        month_ago = today - relativedelta(months=1)
        snapshot_ids = []
        for pid in ids:
            new, old = values_by_id[pid], old_rows[pid]
            score = new.get("crm_health_score", old["crm_health_score"])
            if score is not None and (
                score != old["crm_health_score"]
                or new["crm_health_band"] != old["crm_health_band"]
                or not old["crm_health_snapshot_date"]
                or old["crm_health_snapshot_date"] <= month_ago
            ):
                snapshot_ids.append(pid)
        snapshot_set = set(snapshot_ids)
        for pid in ids:
            values_by_id[pid]["crm_health_date"] = today
            values_by_id[pid]["crm_health_snapshot_date"] = (
                today if pid in snapshot_set else old_rows[pid]["crm_health_snapshot_date"]
            )
        fnames = list(next(iter(values_by_id.values())))

        def column(fname):
            values = [values_by_id[pid][fname] for pid in ids]
            if fname == "crm_health_details":
                return [None if v is None else json.dumps(v) for v in values]
            return values

        update_by_id(self.browse(ids), {f: (_HEALTH_COLUMNS[f], column(f)) for f in fnames})
        if snapshot_ids:
            self.env["crm.standard.health.snapshot"]._crm_write_snapshots(snapshot_ids, today)
        old_bands = {
            pid: old_rows[pid]["crm_health_band"]
            for pid in ids
            if values_by_id[pid]["crm_health_band"] != old_rows[pid]["crm_health_band"]
        }
        changed = self.browse(list(old_bands))
        if changed:
            changed._crm_health_log_band_changes(old_bands, override_by_id or {})
            changed._crm_on_health_band_changed(old_bands)
        return changed

    def _crm_health_log_band_changes(self, old_bands, override_by_id):
        """Chatter tracking of the band, batched (one create of the messages,
        one of the tracking values). A customer's first band after 'new' gets
        none: the first run on 100,000 customers would bury their chatter."""
        if self.env.context.get("tracking_disable"):
            return
        logged = self.filtered(lambda p: old_bands[p.id] in SCORED_BANDS or p.id in override_by_id)
        if not logged:
            return
        labels = dict(self._fields["crm_health_band"]._description_selection(self.env))
        bodies = {}
        for partner in logged:
            override = override_by_id.get(partner.id)
            if override and override.band:
                body = self.env._(
                    "Health band set by a manager: %(comment)s", comment=override.comment
                )
            elif override:
                body = self.env._(
                    "Health band override removed: %(comment)s", comment=override.comment
                )
            else:
                body = self.env._("Health score %(score)s", score=partner.crm_health_score)
            bodies[partner.id] = escape(body)
        messages = logged._message_log_batch(bodies)
        field = self.env["ir.model.fields"]._get(self._name, "crm_health_band")
        self.env["mail.tracking.value"].sudo().create(
            [
                {
                    "field_id": field.id,
                    "old_value_char": labels.get(old_bands[partner.id], ""),
                    "new_value_char": labels.get(partner.crm_health_band, ""),
                    "mail_message_id": message.id,
                }
                for partner, message in zip(logged, messages, strict=True)
            ]
        )

    def _crm_on_health_band_changed(self, old_bands):
        """Extension point: the band of the customers of ``self`` changed
        (``{partner id: band before}``). Default: entering 'at risk' proposes a
        retention plan, leaving it closes the open one as recovered. Keep
        overrides set-based."""
        self.fetch(["crm_health_band"])  # that column only, not the whole partner
        entering = self.filtered(
            lambda p: p.crm_health_band == "at_risk" and old_bands[p.id] != "at_risk"
        )
        leaving = self.filtered(
            lambda p: old_bands[p.id] == "at_risk" and p.crm_health_band != "at_risk"
        )
        Plan = self.env["crm.standard.followup.plan"].sudo()
        if leaving:
            Plan._crm_retention_close(leaving, "recovered")
        if entering and not self.env.context.get("crm_skip_retention"):
            Plan._crm_retention_propose(entering)

    @api.model
    def _crm_health_preview_counts(self, company, weights, healthy_from, risk_below):
        """Customers of ``company`` per band with the given (unsaved) weights
        and thresholds, from the stored sub-scores (one query), and per band
        now: ``({band: count}, {band: count})``. New customers and overrides
        keep their band."""
        terms = [
            (SQL.identifier(f"crm_health_{name}"), weight or 0)
            for name, weight in weights.items()
            if f"crm_health_{name}" in self._fields
        ]
        if not terms:
            return {}, {}
        weighted = SQL(" + ").join(SQL("COALESCE(%s * %s, 0)", col, w) for col, w in terms)
        total = SQL(" + ").join(
            SQL("CASE WHEN %s IS NULL THEN 0 ELSE %s END", col, w) for col, w in terms
        )
        rows = self.env.execute_query(
            SQL(
                """
            SELECT band_now, CASE
                       WHEN band_now = 'new' OR override IS NOT NULL THEN band_now
                       WHEN total = 0 THEN 'new'
                       WHEN round((weighted / total)::numeric) >= %(healthy)s THEN 'healthy'
                       WHEN round((weighted / total)::numeric) >= %(risk)s THEN 'watch'
                       ELSE 'at_risk' END, count(*)
              FROM (SELECT p.crm_health_band AS band_now, p.crm_health_override_id AS override,
                           (%(weighted)s)::float AS weighted, %(total)s AS total
                      FROM res_partner p
                     WHERE p.is_crm_customer AND p.parent_id IS NULL
                       AND p.crm_health_band IS NOT NULL
                       AND (p.company_id = %(company)s OR p.company_id IS NULL)) s
          GROUP BY 1, 2
            """,
                weighted=weighted,
                total=total,
                healthy=healthy_from,
                risk=risk_below,
                company=company.id,
            )
        )
        preview, current = defaultdict(int), defaultdict(int)
        for band_now, band, count in rows:
            preview[band] += count
            current[band_now] += count
        return dict(preview), dict(current)

    # ---------------------------------------------------------------------
    # Override (managers)
    # ---------------------------------------------------------------------
    def _crm_health_set_override(self, override):
        """Apply ``override`` (a band, or none: back to the computed band)."""
        today = fields.Date.context_today(self)
        customers = self.commercial_partner_id.sudo()
        rows = {row["id"]: row for row in customers._crm_health_lock_rows()}
        values_by_id = {}
        for pid, row in rows.items():
            values_by_id[pid] = {
                "crm_health_band": override.band or row["crm_health_band_computed"] or "new",
                "crm_health_override_id": override.id if override.band else None,
            }
        overrides = dict.fromkeys(values_by_id, override)
        return customers._crm_health_store(values_by_id, rows, today, overrides)

    def _crm_check_health_manager(self):
        if not (self.env.su or self.env.user.has_group("sales_team.group_sale_manager")):
            raise AccessError(
                self.env._("Health band: only a sales manager can override a customer's band.")
            )

    def action_crm_health_override(self):
        self.ensure_one()
        self._crm_check_health_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override the Health Band"),
            "res_model": "crm.standard.health.override",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_crm_health_recompute(self):
        """'Recompute Health' button: score the selected customers now."""
        self.check_access("write")
        self.sudo()._crm_health_recompute()
        return True

    def action_view_crm_health_snapshots(self):
        return self._crm_records_action(
            "crm_standard.crm_standard_health_snapshot_action", partner=self.commercial_partner_id
        )

    def action_crm_retention_start(self):
        """'Start Retention' button: propose a retention plan now; a sales
        manager's own proposal is approved at once."""
        self.check_access("write")
        plans = (
            self.env["crm.standard.followup.plan"]
            .sudo()
            ._crm_retention_propose(self.commercial_partner_id, manager=self.env.user)
        )
        if not plans:
            raise UserError(
                self.env._(
                    "Retention: %(customer)s has a retention plan open, or one that ended "
                    "within the cooldown, or has churned; no new plan is proposed.",
                    customer=self.commercial_partner_id.display_name,
                )
            )
        return plans.with_env(self.env)._get_records_action()

    # ---------------------------------------------------------------------
    # Churn closes retention as lost
    # ---------------------------------------------------------------------
    def write(self, vals):
        res = super().write(vals)
        if vals.get("lifecycle_stage") == "churned":
            self.env["crm.standard.followup.plan"].sudo()._crm_retention_close(
                self.commercial_partner_id, "lost"
            )
        return res

    # ---------------------------------------------------------------------
    # Scheduled action
    # ---------------------------------------------------------------------
    @api.model
    def _cron_crm_health(self, batch_size=5000, domain=None):
        """Daily: score every customer (time moves the factors).

        Batches of ``batch_size`` customers by id, each with a constant number
        of queries, committed and reported to the cron progress API. The
        customers of a batch are locked ``FOR NO KEY UPDATE SKIP LOCKED``: a
        customer another worker is scoring is left to it. A failing batch is
        retried customer by customer; a bad customer is logged and skipped.
        Idempotent: a second run the same day changes nothing. At the end,
        one digest per salesperson / manager of the retention plans proposed.

        :param domain: only the customers matching it (default: all)
        """
        Partner = self.sudo()
        ids = Partner.search(
            [("is_crm_customer", "=", True), ("parent_id", "=", False), *(domain or [])],
            order="id",
        ).ids
        done = run_customer_batches(
            Partner, ids, batch_size, "_crm_health_recompute", label="health", logger=_logger
        )
        self.env["crm.standard.followup.plan"].sudo()._crm_retention_send_digests()
        return done

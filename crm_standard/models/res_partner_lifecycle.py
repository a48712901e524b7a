"""Customer lifecycle: potential, intent, deal, repeat, churned."""

import logging

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.tools import SQL

from ..tools import system_flag
from ..tools.cron import run_customer_batches
from ..tools.partner import LIFECYCLE_STAGES

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # -- lifecycle --------------------------------------------------------
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        default="potential",
        tracking=True,
        index=True,
        copy=False,
        required=True,
        help="Potential: no opportunity yet. Intent: an open opportunity. "
        "Deal: one won opportunity. Repeat: two or more won. Churned: set "
        "by hand, or no deal won for the company's churn period and nothing open.",
    )
    lifecycle_churn_date = fields.Date(
        copy=False,
        readonly=True,
        help="Set when the customer is marked churned by hand; the mark holds "
        "until a new opportunity is created or one is won.",
    )
    last_won_date = fields.Date(readonly=True, copy=False)

    # ---------------------------------------------------------------------
    # Lifecycle
    # ---------------------------------------------------------------------
    def _crm_lifecycle_stats(self):
        """Per commercial partner id: open count, won count, last won date.

        One grouped query for the whole batch, whatever its size, on the
        commercial partner stored on the opportunity (no ``child_of``
        expansion of the contacts). An opportunity is won on its closing
        date, or on its creation date when it was created already won (Odoo
        sets ``date_closed`` on a stage change only), as for the revenue.
        Won: its stage is a won stage; open: its stage is not and its
        probability is below 100 (opportunities without a stage are neither).
        """
        stats = {pid: {"open": 0, "won": 0, "last_won": False} for pid in self.ids}
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        query = Lead._search(
            [
                ("crm_commercial_partner_id", "in", self.ids),
                ("type", "=", "opportunity"),
                ("active", "=", True),
            ]
        )
        # the query of _read_group, won and open counted with FILTER clauses
        stage = query.make_alias(query.table, "stage_id")
        query.add_join(
            "JOIN",
            stage,
            "crm_stage",
            SQL(
                "%s = %s",
                SQL.identifier(stage, "id"),
                Lead._field_to_sql(query.table, "stage_id", query),
            ),
        )
        won = SQL("%s IS TRUE", SQL.identifier(stage, "is_won"))
        is_open = SQL(
            "%s IS NOT TRUE AND %s < 100",
            SQL.identifier(stage, "is_won"),
            Lead._field_to_sql(query.table, "probability", query),
        )
        customer = Lead._field_to_sql(query.table, "crm_commercial_partner_id", query)
        query.groupby = customer
        for partner_id, won_count, last, open_count in self.env.execute_query(
            query.select(
                customer,
                SQL("COUNT(*) FILTER (WHERE %s)", won),
                SQL(
                    "MAX(COALESCE(%s, %s)) FILTER (WHERE %s)",
                    Lead._field_to_sql(query.table, "date_closed", query),
                    Lead._field_to_sql(query.table, "create_date", query),
                    won,
                ),
                SQL("COUNT(*) FILTER (WHERE %s)", is_open),
            )
        ):
            stats[partner_id].update(won=won_count, last_won=last or False, open=open_count)
        return stats

    def _crm_lifecycle_from_stats(self, entry, today):
        """Stage of one customer from its stats; override to change the rules."""
        self.ensure_one()
        last_won = entry["last_won"] and fields.Date.to_date(entry["last_won"])
        if self.lifecycle_churn_date:
            return "churned"
        months = self._crm_settings_company().crm_churn_months
        if (
            months
            and entry["won"]
            and not entry["open"]
            and last_won
            and last_won < today - relativedelta(months=months)
        ):
            return "churned"
        if entry["won"] >= 2:
            return "repeat"
        if entry["won"] == 1:
            return "deal"
        if entry["open"]:
            return "intent"
        return "potential"

    def _crm_lifecycle_lock_rows(self):
        """The customers of ``self`` locked ``FOR NO KEY UPDATE SKIP LOCKED``:
        one that another transaction (a user's save) holds is left to it, and
        one changed since this transaction's snapshot raises a serialization
        failure for the caller to leave the batch (``run_customer_batches``)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s ORDER BY id "
                "FOR NO KEY UPDATE SKIP LOCKED",
                tuple(self.ids),
            )
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _crm_recompute_lifecycle(self, skip_locked=False):
        """Lifecycle stages and last won dates of the customers of ``self``;
        won/lost opportunities also regrade them, and the repeat buyer tag
        follows the stage. ``skip_locked`` (the cron): only the customers no
        other transaction holds (``_crm_lifecycle_lock_rows``)."""
        partners = self.commercial_partner_id
        if partners and skip_locked:
            partners = partners._crm_lifecycle_lock_rows()
        if not partners:
            return
        stats = partners._crm_lifecycle_stats()
        today = fields.Date.context_today(self)
        changes, old_stages = {}, {}
        for partner in partners:
            entry = stats[partner.id]
            stage = partner._crm_lifecycle_from_stats(entry, today)
            last_won = entry["last_won"] and fields.Date.to_date(entry["last_won"])
            vals = {}
            if partner.lifecycle_stage != stage:
                vals["lifecycle_stage"] = stage
                old_stages[partner.id] = partner.lifecycle_stage
            if stage != "churned" and partner.lifecycle_churn_date:
                vals["lifecycle_churn_date"] = False
            if partner.last_won_date != last_won:
                vals["last_won_date"] = last_won
            if vals:
                changes.setdefault(tuple(sorted(vals.items())), []).append(partner.id)
        # one write per distinct change, not one per customer; the stage
        # changes propose their plans once, after the regrade (whose own
        # proposals already follow the new stage); system-set fields
        # (_crm_protected_fields): the callers checked the user
        writer = partners.sudo().with_context(crm_skip_stage_proposals=True)
        for vals, ids in changes.items():
            writer.browse(ids).write(dict(vals))
        customers = partners.filtered("is_crm_customer")
        if customers and not system_flag(self.env, "crm_skip_grading"):
            # every tag is synced just below: the grading skips its own sync
            # of the grade tags (the system only, see system_flag)
            customers.with_context(crm_value_tags_synced_after=True)._crm_recompute_grades()
        customers._crm_sync_value_tags()
        if old_stages:
            customers.filtered(lambda p: p.id in old_stages)._crm_on_lifecycle_changed(old_stages)

    def _crm_lift_manual_churn(self):
        """New business with a churned customer ends a manual churn mark."""
        self.commercial_partner_id.filtered("lifecycle_churn_date").sudo().write(
            {"lifecycle_churn_date": False}
        )

    def action_mark_churned(self):
        """Whoever may write the customer marks it churned (a system-set
        stage otherwise: _crm_protected_fields)."""
        self.commercial_partner_id.check_access("write")
        self.commercial_partner_id.sudo().write(
            {
                "lifecycle_stage": "churned",
                "lifecycle_churn_date": fields.Date.context_today(self),
            }
        )
        return True

    def action_recompute_lifecycle(self):
        self.check_access("write")
        self.sudo().lifecycle_churn_date = False
        self.sudo()._crm_recompute_lifecycle()
        return True

    def _cron_crm_recompute_lifecycle(self, batch_size=1000):
        """Daily: churn happens with time passing, not only on lead changes.

        The grading has its own scheduled action: skipped here. Batches by
        increasing id, each committed (``run_customer_batches``): a customer a
        user is saving is left to that user's transaction, never waited for,
        and the users' saves never wait for the whole run. A failing batch is
        retried customer by customer; a bad customer is logged and skipped.
        """
        Partner = self.with_context(crm_skip_grading=True)
        ids = Partner.search([("is_crm_customer", "=", True)], order="id").ids
        return run_customer_batches(
            Partner, ids, batch_size, "_crm_recompute_lifecycle", label="lifecycle", logger=_logger
        )

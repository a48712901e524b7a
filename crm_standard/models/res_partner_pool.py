"""Public pool (公海): release of idle customers, claims, assignment."""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, date_utils

from ..tools import CONCURRENCY_ERRORS, lock_nowait

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_in_pool = fields.Boolean(
        string="In Public Pool",
        compute="_compute_crm_in_pool",
        search="_search_crm_in_pool",
        help="A customer nobody owns: salespeople can claim it.",
    )
    crm_owner_date = fields.Date(
        string="Owned Since",
        copy=False,
        readonly=True,
        help="When the current salesperson got the customer; the pool release "
        "counts idle days from this date at the earliest.",
    )
    crm_pool_release_date = fields.Date(string="Released to Pool On", copy=False, readonly=True)
    crm_pool_previous_user_id = fields.Many2one(
        "res.users", string="Previous Salesperson", copy=False, readonly=True
    )
    crm_pool_claim_user_id = fields.Many2one(
        "res.users", string="Claimed By", copy=False, readonly=True, index="btree_not_null"
    )
    crm_pool_claim_date = fields.Date(string="Claimed On", copy=False, readonly=True)

    # ---------------------------------------------------------------------
    # Public pool (公海)
    # ---------------------------------------------------------------------
    @api.model
    def _crm_pool_release_sql(self, limit, skip_ids):
        """SELECT (locked ``FOR NO KEY UPDATE SKIP LOCKED``) of at most ``limit`` customers to
        release: owned commercial entities of a company whose pool is enabled
        (the partner's company, else the owner's) with, for the company's
        number of days, no won deal, no activity done, no opportunity created
        or closed, no new owner, and no open opportunity now.

        Extension point: override to add conditions (e.g. a key-account flag).
        """
        return SQL(
            """
            SELECT p.id, p.user_id, co.crm_pool_days
              FROM res_partner p
              JOIN res_users u ON u.id = p.user_id
              JOIN res_company co ON co.id = COALESCE(p.company_id, u.company_id)
             WHERE co.crm_pool_enabled
               AND p.active AND p.is_crm_customer AND p.parent_id IS NULL
               AND p.crm_visibility_restricted
               AND p.id != ALL(%(skip)s)
               AND COALESCE(p.crm_owner_date, p.create_date::date)
                   < CURRENT_DATE - co.crm_pool_days
               AND (p.last_won_date IS NULL OR p.last_won_date < CURRENT_DATE - co.crm_pool_days)
               AND NOT EXISTS (
                    SELECT 1 FROM crm_lead l
                      LEFT JOIN crm_stage s ON s.id = l.stage_id
                     WHERE l.crm_commercial_partner_id = p.id
                       AND ((l.active AND l.type = 'opportunity'
                             AND COALESCE(l.probability, 0) < 100
                             AND NOT COALESCE(s.is_won, FALSE))
                            OR l.create_date >= CURRENT_DATE - co.crm_pool_days
                            OR l.date_closed >= CURRENT_DATE - co.crm_pool_days))
               AND NOT EXISTS (
                    SELECT 1 FROM mail_message m
                      JOIN res_partner c ON c.id = m.res_id AND m.model = 'res.partner'
                     WHERE c.commercial_partner_id = p.id
                       AND m.mail_activity_type_id IS NOT NULL
                       AND m.date >= CURRENT_DATE - co.crm_pool_days)
               AND NOT EXISTS (
                    SELECT 1 FROM mail_message m
                      JOIN crm_lead l ON l.id = m.res_id AND m.model = 'crm.lead'
                     WHERE l.crm_commercial_partner_id = p.id
                       AND m.mail_activity_type_id IS NOT NULL
                       AND m.date >= CURRENT_DATE - co.crm_pool_days)
             ORDER BY p.id
             LIMIT %(limit)s
               FOR NO KEY UPDATE OF p SKIP LOCKED
            """,
            skip=list(skip_ids),
            limit=limit,
        )

    def _crm_pool_release(self, days_by_partner=None):
        """Release ``self`` (customers) to the public pool: no salesperson,
        a note in each chatter. Set-based: one write per previous salesperson
        and one batch of notes. Returns {previous user: partners}."""
        released = self.grouped("user_id")
        today = fields.Date.context_today(self)
        for previous, partners in released.items():
            # the note below tells the change: no tracking message per record
            partners.with_context(crm_skip_change_request=True, tracking_disable=True).write(
                {
                    "user_id": False,
                    "crm_pool_release_date": today,
                    "crm_pool_previous_user_id": previous.id,
                }
            )
        bodies = {
            partner.id: Markup("<p>%s</p>")
            % self.env._(
                "Released to the public pool: no won deal, no activity done and no "
                "open opportunity for %(days)s days (salesperson: %(user)s).",
                days=(days_by_partner or {}).get(partner.id)
                or (
                    partner.company_id or partner.crm_pool_previous_user_id.company_id
                ).crm_pool_days,
                user=partner.crm_pool_previous_user_id.name,
            )
            for partner in self
        }
        self._message_log_batch(bodies)
        return dict(released)

    def _cron_crm_pool_release(self, batch_size=500):
        """Daily: release the customers nobody works to the public pool.

        Batched (``batch_size`` customers per savepoint, progress reported),
        idempotent (released customers have no salesperson any more) and safe
        under two workers (``FOR NO KEY UPDATE SKIP LOCKED``). A customer that fails
        is logged and skipped. A second worker skips the customers the first
        one holds; one whose snapshot predates a concurrent release stops (the
        next run continues). At the end, one digest per salesperson and per
        sales team leader.
        """
        Partner = self.sudo().with_context(tracking_disable=False)
        released, skip, done = defaultdict(Partner.browse), set(), 0
        while True:
            self.env.flush_all()
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(Partner._crm_pool_release_sql(batch_size, skip))
                    rows = self.env.cr.fetchall()
            except CONCURRENCY_ERRORS:
                # customers of our snapshot were just released (or claimed) by
                # another transaction: leave the rest to the next run
                _logger.info("crm_standard: pool release running in another worker")
                break
            if not rows:
                break
            days = {pid: n for pid, __, n in rows}
            batch = Partner.browse(days)
            try:
                with self.env.cr.savepoint():
                    result = batch._crm_pool_release(days)
            except Exception:
                _logger.exception("crm_standard: pool release failed for batch %s", batch.ids)
                result = defaultdict(Partner.browse)
                for partner in batch:
                    try:
                        with self.env.cr.savepoint():
                            for user, partners in partner._crm_pool_release(days).items():
                                result[user] |= partners
                    except Exception:
                        _logger.exception("crm_standard: pool release failed for %s", partner.id)
                        skip.add(partner.id)
            for user, partners in result.items():
                released[user] |= partners
            done += len(batch)
            more = int(len(rows) == batch_size)  # the exact rest is only known at the end
            self.env["ir.cron"]._notify_progress(done=done, remaining=more)
        self._crm_pool_send_digests(released)
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        return dict(released)

    def _crm_pool_send_digests(self, released):
        """One message per salesperson (their released customers) and one per
        team leader (those of their team's members), for the whole run."""
        by_manager = {}
        for user, partners in released.items():
            leader = user.sale_team_id.user_id
            if leader and leader != user:
                by_manager.setdefault(leader, []).append((user, partners))
        Thread = self.env["mail.thread"].sudo()
        for user, partners in released.items():
            Thread.message_notify(
                partner_ids=user.partner_id.ids,
                subject=self.env._("Customers released to the public pool"),
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._(
                        "%(count)s of your customers went back to the public pool:",
                        count=len(partners),
                    ),
                    Markup().join(Markup("<li>%s</li>") % p.display_name for p in partners),
                ),
            )
        for leader, items in by_manager.items():
            Thread.message_notify(
                partner_ids=leader.partner_id.ids,
                subject=self.env._("Team customers released to the public pool"),
                body=Markup("<ul>%s</ul>")
                % Markup().join(
                    Markup("<li>%s</li>")
                    % self.env._(
                        "%(user)s: %(customers)s",
                        user=user.name,
                        customers=", ".join(partners.mapped("display_name")),
                    )
                    for user, partners in items
                ),
            )

    @api.model
    def _crm_pool_period_start(self, company):
        return date_utils.start_of(fields.Date.context_today(self), company.crm_pool_claim_period)

    def _crm_pool_company(self):
        """The company whose public pool settings apply to ``self`` (one
        customer): ``_crm_settings_company`` (its own; for a shared customer,
        its salesperson's, else the main company)."""
        self.ensure_one()
        return self._crm_settings_company()

    @api.model
    def _crm_pool_lock_claims(self, user):
        """Serialise the claims of ``user``: called before counting them.

        A row lock alone is not enough: under REPEATABLE READ, the second of
        two concurrent claims would wait and then count in its older snapshot,
        without the first claim. Both update the user's row instead: the
        second waits for the first, then fails with a serialization error,
        and Odoo retries its request, which then counts the first claim."""
        self.env.cr.execute(
            SQL("UPDATE res_users SET write_date = write_date WHERE id = %s", user.id)
        )

    def action_crm_pool_claim(self):
        """Claim pool customers: they become the current user's, within the
        claim limit per period of each customer's company. Two users claiming
        the same customer at once: the second one gets an error, not a silent
        overwrite; one user claiming twice at once: the second claim counts
        the first one (see ``_crm_pool_lock_claims``)."""
        user = self.env.user
        partners = self.commercial_partner_id
        companies = partners.grouped(lambda p: p._crm_pool_company())
        for company in companies:
            if not company.crm_pool_enabled:
                raise UserError(
                    self.env._(
                        "Public Pool: the public pool of %(company)s is disabled.",
                        company=company.name,
                    )
                )
        not_in_pool = partners.filtered(lambda p: not p.crm_in_pool)
        if not_in_pool:
            raise UserError(
                self.env._(
                    "Public Pool: %(names)s is not in the public pool (it has a salesperson).",
                    names=", ".join(not_in_pool.mapped("display_name")),
                )
            )
        limited = [company for company in companies if company.crm_pool_claim_limit]
        if limited:
            self._crm_pool_lock_claims(user)
        for company in limited:
            start = self._crm_pool_period_start(company)
            # the claims of every company count (_crm_count_claims)
            claimed = self.env["crm.standard.pool.claim"]._crm_count_claims(user, start)
            if claimed + len(partners) > company.crm_pool_claim_limit:
                raise UserError(
                    self.env._(
                        "Claims per Period: you already claimed %(claimed)s customers since "
                        "%(start)s; the limit is %(limit)s.",
                        claimed=claimed,
                        start=start,
                        limit=company.crm_pool_claim_limit,
                    )
                )
        # lock the customers: a concurrent claimer holding them, or having
        # claimed them since this transaction began, makes this claim fail
        # (never a silent overwrite of the first claim)
        locked = lock_nowait(
            self.env.cr,
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s AND user_id IS NULL "
                "FOR NO KEY UPDATE NOWAIT",
                tuple(partners.ids),
            ),
        )
        if locked is None:
            _logger.info("crm_standard: concurrent claim of %s", partners.ids)
        if len(locked or ()) != len(partners):
            raise UserError(self.env._("Public Pool: someone else claimed these customers first."))
        partners._crm_pool_assign(user, claim=True)
        return True

    def _crm_pool_claim_on_write(self, vals):
        """A restricted salesperson setting the salesperson (``user_id``) of
        pool customers: to themselves, it is a claim (``action_crm_pool_claim``:
        claim limit, claim record, chatter note); to anyone else, it is
        refused (sales managers assign pool customers). Returns the partners
        of ``self`` claimed, whose ``user_id`` is then set. Where the pool of
        the customer's company is disabled, the salesperson is set freely."""
        user_id = self._crm_key_value("user_id", vals["user_id"])
        if not user_id or not self._crm_user_is_restricted():
            return self.browse()
        # where the pool is disabled there is no claim limit to keep
        pool = self.filtered(lambda p: p.crm_in_pool and p._crm_pool_company().crm_pool_enabled)
        if pool and user_id != self.env.uid:
            raise UserError(
                self.env._(
                    "Salesperson: %(names)s is in the public pool; only sales managers "
                    "assign pool customers to a salesperson (here %(user)s). Claim it for "
                    "yourself (Claim button, or yourself as the salesperson), within your "
                    "claim limit.",
                    names=", ".join(pool.mapped("display_name")),
                    user=self.env["res.users"].browse(user_id).sudo().name,
                )
            )
        if pool:
            pool.action_crm_pool_claim()
        return pool

    def _crm_pool_assign(self, user, claim=False):
        """Give ``self`` (pool customers) to ``user``, with a chatter note.
        Sales managers assign by setting the salesperson (or through this
        method); ``claim`` logs a ``crm.standard.pool.claim`` per customer,
        which the claim limit counts."""
        vals = {"user_id": user.id}
        if claim:
            vals.update(
                crm_pool_claim_user_id=user.id,
                crm_pool_claim_date=fields.Date.context_today(self),
            )
        self.sudo().with_context(crm_skip_change_request=True).write(vals)
        if claim:
            # the claim limit counts these events (crm.standard.pool.claim)
            self.env["crm.standard.pool.claim"].sudo().create(
                [
                    {
                        "partner_id": partner.id,
                        "user_id": user.id,
                        "company_id": partner._crm_pool_company().id,
                    }
                    for partner in self
                ]
            )
        for partner in self.sudo():
            partner.message_post(
                body=(
                    self.env._("Claimed from the public pool by %(user)s.", user=user.name)
                    if claim
                    else self.env._("Assigned from the public pool to %(user)s.", user=user.name)
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )

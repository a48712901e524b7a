"""Ownership: a partner with a salesperson is a customer, and a customer's
open work follows its salesperson (handover).

The rule, for every path (form, import, ``create``, ``write``, RPC, pool
claim and release, the Transfer Customers wizard):

* a commercial partner whose salesperson (``user_id``) is set becomes a CRM
  customer (flag and code), unless the visibility rule leaves it open
  (internal users' partners, the companies' own partners, see
  ``_crm_is_visibility_restricted``). Clearing the salesperson keeps the
  customer: it goes to the public pool where the pool is enabled;
* when a customer's salesperson changes, ``_crm_handover`` moves its open
  work: see there.
"""

import logging

from markupsafe import Markup

from odoo import api, models

from .crm_standard_followup_plan import OPEN_STATES

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ---------------------------------------------------------------------
    # A partner with a salesperson is a customer
    # ---------------------------------------------------------------------
    def _crm_owned_customer_candidates(self):
        """The partners of ``self`` that their salesperson makes customers:
        commercial entities with a salesperson, not customers yet, that the
        visibility rule would restrict as customers.

        Extension point: override to exclude more (e.g. vendors).
        """
        partners = self.filtered(lambda p: p.user_id and not p.parent_id and not p.is_crm_customer)
        if not partners:
            return partners
        # Ask the (overridable) visibility rule as if they were customers, in
        # the cache only: the partners it leaves open (internal users', the
        # companies' own, an override's) stay what they are.
        field = self._fields["is_crm_customer"]
        self.env.cache.update(partners, field, [True] * len(partners))
        try:
            return partners.filtered(lambda p: p._crm_is_visibility_restricted())
        finally:
            self.env.cache.update(partners, field, [False] * len(partners))

    def _crm_mark_owned_customers(self, tracking=True):
        """Make customers of the partners of ``self`` that have a salesperson
        (``_crm_owned_customer_candidates``). Set-based: one write, a batch of
        codes. A system step (sudo): whoever may set the salesperson makes
        the customer. ``tracking=False`` for partners created in the same
        transaction (their creation is the news)."""
        partners = self._crm_owned_customer_candidates()
        if not partners:
            return partners
        context = {"crm_skip_change_request": True}
        if not tracking:
            context.update(mail_notrack=True)
        partners.sudo().with_context(**context)._crm_mark_customer()
        return partners

    @api.model
    def _crm_mark_existing_owned_customers(self):
        """Upgrade: the commercial partners that already have a salesperson
        become customers (codes, lifecycle, grades), set-based. Quiet: no
        tracking message, no quality check of legacy data."""
        partners = self.with_context(active_test=False).search(
            [("user_id", "!=", False), ("parent_id", "=", False), ("is_crm_customer", "=", False)]
        )
        marked = partners.with_context(
            tracking_disable=True, crm_skip_quality_check=True, crm_skip_grading=True
        )._crm_mark_owned_customers(tracking=False)
        # graded once, by the lifecycle recompute
        self.browse(marked.ids).with_context(tracking_disable=True)._crm_recompute_lifecycle()
        _logger.info("crm_standard: %s partners with a salesperson became customers", len(marked))
        return marked

    @api.model_create_multi
    def create(self, vals_list):
        owned = any(vals.get("user_id") for vals in vals_list)
        batch = len(vals_list) > 1 and owned
        # an import or a batch: the salespeople follow their new customers in
        # one subscription each, without an "assigned to you" mail per
        # customer (see _message_auto_subscribe_followers)
        creator = self.with_context(crm_batch_owner_subscribe=True) if batch else self
        partners = super(ResPartner, creator).create(vals_list).with_env(self.env)
        if batch:
            for user, mine in partners.grouped("user_id").items():
                if user:
                    mine.sudo().message_subscribe(partner_ids=user.partner_id.ids)
        if owned:
            partners._crm_mark_owned_customers(tracking=False)
        return partners

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        if self.env.context.get("crm_batch_owner_subscribe"):
            return []
        return super()._message_auto_subscribe_followers(updated_values, default_subtype_ids)

    def write(self, vals):
        if not {"user_id", "parent_id"}.intersection(vals) or self.env.context.get(
            "crm_ownership_write"
        ):
            return super().write(vals)
        customers = (
            self.filtered(lambda p: p.is_crm_customer and not p.parent_id)
            if "user_id" in vals
            else self.browse()
        )
        previous = {partner.id: partner.user_id.id for partner in customers}
        # nested writes (pool claim, key changes...) are handled here, once
        context = {"crm_ownership_write": True}
        summary = (
            len(self) > 1
            and vals.get("user_id")
            and not self.env.context.get("crm_handover_by_caller")
        )
        if summary:
            # a mass edit: one summary for the new salesperson (below), not
            # an "assigned to you" mail per partner
            context["mail_auto_subscribe_no_notify"] = True
        res = super(ResPartner, self.with_context(**context)).write(vals)
        self._crm_mark_owned_customers()
        if summary:
            self._crm_notify_new_owners()
        moved = customers.filtered(lambda p: p.user_id.id != previous[p.id])
        if moved and not self.env.context.get("crm_handover_by_caller"):
            moved._crm_handover(previous)
        return res

    def _crm_notify_new_owners(self):
        """One notification per salesperson of ``self`` (partners just
        assigned) listing their new partners, instead of one mail each."""
        Thread = self.env["mail.thread"].sudo()
        for user, partners in self.grouped("user_id").items():
            if not user or user == self.env.user:
                continue
            names = partners[:50].mapped("display_name")
            if len(partners) > 50:
                names.append(self.env._("and %(count)s more", count=len(partners) - 50))
            Thread.message_notify(
                partner_ids=user.partner_id.ids,
                subject=self.env._("Customers assigned to you"),
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._(
                        "%(user)s assigned %(count)s customers to you:",
                        user=self.env.user.name,
                        count=len(partners),
                    ),
                    Markup().join(Markup("<li>%s</li>") % name for name in names),
                ),
            )

    # ---------------------------------------------------------------------
    # Whose settings apply
    # ---------------------------------------------------------------------
    def _crm_settings_company(self):
        """The company whose CRM settings (grading thresholds, public pool,
        churn period) apply to ``self`` (one partner): its commercial
        entity's company; for a shared customer (no company), its
        salesperson's company, else the main company. Never the company of
        whoever triggers the recompute: the result does not depend on it."""
        self.ensure_one()
        commercial = self.commercial_partner_id.sudo()
        return (
            commercial.company_id or commercial.user_id.company_id or self._crm_main_company()
        ).with_env(self.env)

    @api.model
    def _crm_main_company(self):
        """The company of shared customers nobody owns. Extension point."""
        # the xml id lookup is cached by the registry (and cleared when the
        # company and its xml id are deleted): env.ref() would add a query
        # (exists()) on every call, several per opportunity saved
        company_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "base.main_company", raise_if_not_found=False
        )
        Company = self.env["res.company"]
        return (
            Company.browse(company_id)
            if company_id
            else Company.sudo().search([], order="id", limit=1).with_env(self.env)
        )

    # ---------------------------------------------------------------------
    # Handover
    # ---------------------------------------------------------------------
    def _crm_handover(self, previous, move_opportunities=False, move_plans=True):
        """Hand the open work of ``self`` over to their current salesperson.

        ``self``: customers whose salesperson just changed; ``previous``:
        ``{partner id: former salesperson's id or False}``. The one rule of
        every path (a manager sets the salesperson, a pool claim, a pool
        release, the Transfer Customers wizard):

        * open follow-up plans (draft, submitted, approved, rejected) get the
          new salesperson, and so their steps' reminders (steps whose
          responsible is the salesperson); an account manager who was the
          former salesperson is replaced too; approved plans stay approved;
          open reminders and their activities assigned to the former
          salesperson go to the new one, who follows the customer;
        * a release (no salesperson any more) closes the open plans
          ("Released to the public pool", never deleted), which drops their
          open reminder activities: the former salesperson keeps no activity
          that opens the customer to them;
        * open opportunities of the former salesperson move only when
          ``move_opportunities`` says so (the wizard; default elsewhere: no).

        A system step (sudo), set-based: a constant number of queries per
        salesperson whatever the number of customers. Extension point: call
        super and move your own records. Returns ``{"plans": n,
        "activities": n, "opportunities": n}``.
        """
        counts = {"plans": 0, "activities": 0, "opportunities": 0}
        partners = self.sudo()
        if not partners:
            return counts
        Plan = self.env["crm.standard.followup.plan"].sudo()
        plans = (
            Plan.search([("partner_id", "in", partners.ids), ("state", "in", OPEN_STATES)])
            if move_plans
            else Plan
        )
        released = partners.filtered(lambda p: not p.user_id)
        if released and plans:
            closing = plans.filtered(lambda p: p.partner_id in released)
            closing._crm_close(self.env._("Released to the public pool"))
            counts["plans"] += len(closing)
            plans -= closing
        moved = partners - released
        if plans:
            counts["plans"] += len(plans)
            counts["activities"] += plans._crm_handover_plans(previous)
        if move_opportunities and moved:
            counts["opportunities"] = moved._crm_handover_opportunities(previous)
        return counts

    def _crm_handover_opportunities(self, previous):
        """Give the open opportunities that the former salesperson of each
        customer of ``self`` holds to its current salesperson. Returns their
        number."""
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search(self.env["crm.lead"]._crm_open_opportunities_domain(self.ids))
        )
        leads = leads.filtered(
            lambda lead: (
                lead.user_id.id == previous.get(lead.crm_commercial_partner_id.id)
                and lead.user_id != lead.crm_commercial_partner_id.user_id
            )
        )
        for user, batch in leads.grouped(
            lambda lead: lead.crm_commercial_partner_id.user_id
        ).items():
            batch._crm_reassign(user)
        return len(leads)

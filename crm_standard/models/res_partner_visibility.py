"""Visibility by owner: a restricted salesperson sees their own customers
(record rules of security/crm_standard_security.xml)."""

import functools
import itertools

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

OWN_CUSTOMERS_RULE = "crm_standard.res_partner_rule_crm_own_customers"
# crm_visibility_key of the partners every internal user sees, and of the pool
VISIBILITY_KEY_OPEN = 0
VISIBILITY_KEY_POOL = -1


class ResPartner(models.Model):
    _inherit = "res.partner"

    # -- visibility by owner and public pool (公海) -------------------------
    crm_owner_user_id = fields.Many2one(
        "res.users",
        string="Customer Owner",
        related="commercial_partner_id.user_id",
        store=True,
        index=True,
        tracking=False,  # the salesperson (user_id) is tracked already
        help="Salesperson of the commercial entity: who sees this customer "
        "when salespeople see their own customers only.",
    )
    crm_own_company_ids = fields.One2many(
        "res.company", "partner_id", string="Companies of this Partner"
    )
    crm_visibility_restricted = fields.Boolean(
        string="Visible to Owner Only",
        compute="_compute_crm_visibility_restricted",
        store=True,
        index=True,
        help="Salespeople restricted to their own documents see this partner "
        "only when they own it (or through the public pool, an opportunity or "
        "an activity). Customers are restricted; internal users, companies "
        "and other partners are not.",
    )
    # An integer, so that Odoo creates its column among the table's first
    # added ones (integers first, booleans last): PostgreSQL decodes each
    # scanned row up to the last column a filter reads, and the rule reads
    # this one only (crm_visibility_restricted is a row's last column).
    crm_visibility_key = fields.Integer(
        string="Visibility Key",
        compute="_compute_crm_visibility_key",
        store=True,
        index=True,
        help="Technical: who sees this partner when salespeople see their own "
        "customers only. 0: every internal user; -1: the public pool; else the "
        "owner's user id.",
    )
    crm_visible_to_me = fields.Boolean(
        compute="_compute_crm_visible_to_me",
        search="_search_crm_visible_to_me",
        string="Visible to Me",
    )

    # ---------------------------------------------------------------------
    # Visibility by owner (record rules of security/crm_standard_security.xml)
    # ---------------------------------------------------------------------
    def _crm_visibility_depends(self):
        """Fields read by ``_crm_is_visibility_restricted``: extend it when an
        override reads more (e.g. ``supplier_rank``)."""
        return [
            "commercial_partner_id.is_crm_customer",
            "partner_share",
            "crm_own_company_ids",
            "commercial_partner_id.crm_own_company_ids",
        ]

    def _crm_is_visibility_restricted(self):
        """Whether salespeople restricted to their own documents see this
        partner only when they own it (or through the pool, an opportunity,
        an activity...).

        Default: the partner belongs to a CRM customer (its commercial partner
        is ``is_crm_customer``) and is neither an internal user's partner nor
        a company's own partner. Every other partner (vendors, mail authors,
        colleagues) stays readable by every internal user, so Odoo keeps
        working.

        Extension point: override it to open more partners, e.g. vendors::

            def _crm_is_visibility_restricted(self):
                return super()._crm_is_visibility_restricted() and not self.supplier_rank

        and add the fields it reads to ``_crm_visibility_depends``. The result
        is stored (``crm_visibility_restricted``): recompute it after changing
        the rule on an existing database.
        """
        self.ensure_one()
        commercial = self.commercial_partner_id
        return bool(
            commercial.is_crm_customer
            and self.partner_share
            and not self.crm_own_company_ids
            and not commercial.crm_own_company_ids
        )

    @api.depends(lambda self: self._crm_visibility_depends())
    def _compute_crm_visibility_restricted(self):
        for partner in self:
            partner.crm_visibility_restricted = partner._crm_is_visibility_restricted()

    @api.depends("crm_visibility_restricted", "crm_owner_user_id")
    def _compute_crm_visibility_key(self):
        for partner in self:
            if not partner.crm_visibility_restricted:
                partner.crm_visibility_key = VISIBILITY_KEY_OPEN
            else:
                partner.crm_visibility_key = partner.crm_owner_user_id.id or VISIBILITY_KEY_POOL

    @api.model
    def _crm_user_is_restricted(self):
        """Whether the current user, outside sudo, sees only their own
        customers: a salesperson (own documents) without any role whose rule
        widens the visibility again."""
        user = self.env.user
        return bool(
            not self.env.su
            and user.has_group("sales_team.group_sale_salesman")
            and not user.has_group("sales_team.group_sale_salesman_all_leads")
            and not user.has_group("crm_standard.group_crm_standard_service_manager")
        )

    @api.model
    def _crm_visible_partner_domains(self):
        """Domains (OR-ed) of the partners the current user sees when the
        "own customers" rule applies to them.

        Extension point: append a domain to open more partners, e.g. the
        customers of tickets assigned to the user (set-based, an ``id in SQL``
        subquery keeps the rule one query)::

            domains = super()._crm_visible_partner_domains()
            return domains + [[("id", "in", SQL("(SELECT partner_id FROM my_ticket "
                                                "WHERE user_id = %s)", self.env.uid))]]

        The ``id in SQL`` subqueries are merged into one by the rule.
        """
        uid = self.env.uid
        domains = self._crm_visible_by_fields_domains() + [
            # partners (and their commercial entities) of the leads the user
            # may read by Odoo's "Personal Leads" rule: theirs and unassigned
            [
                (
                    "id",
                    "in",
                    # one scan of the user's leads, no join (the commercial
                    # partner is stored on the lead); a hashed subplan (an
                    # ``= ANY(ARRAY(...))`` is a linear scan per row: 40x slower)
                    SQL(
                        "(SELECT unnest(ARRAY[l.partner_id, l.crm_commercial_partner_id]) "
                        "FROM crm_lead l WHERE l.active AND l.partner_id IS NOT NULL "
                        "AND (l.user_id = %s OR l.user_id IS NULL))",
                        uid,
                    ),
                )
            ],
            # customers and contacts of the tickets assigned to the user
            [
                (
                    "id",
                    "in",
                    SQL(
                        "(SELECT unnest(ARRAY[t.partner_id, t.commercial_partner_id]) "
                        "FROM crm_standard_ticket t WHERE t.user_id = %s)",
                        uid,
                    ),
                )
            ],
            # partners with an activity assigned to the user
            [
                (
                    "id",
                    "in",
                    SQL(
                        "(SELECT a.res_id FROM mail_activity a WHERE a.res_model = 'res.partner' "
                        "AND a.user_id = %s AND a.active)",
                        uid,
                    ),
                )
            ],
        ]
        if self.env.user.has_group("crm_standard.group_crm_standard_team_leader"):
            # team leaders: the customers of their teams' members
            domains.append(
                [
                    (
                        "crm_owner_user_id",
                        "in",
                        SQL(
                            "(SELECT m.user_id FROM crm_team_member m "
                            "JOIN crm_team t ON t.id = m.crm_team_id "
                            "WHERE t.user_id = %s AND t.active AND m.active)",
                            uid,
                        ),
                    )
                ]
            )
        return domains

    @api.model
    def _crm_visible_by_fields_domains(self):
        """The domains of ``_crm_visible_partner_domains`` decided by the
        partner's own stored fields (no subquery): open partners (colleagues,
        companies, vendors, mail authors...), own customers with their
        contacts and addresses, and the public pool. They come first in the
        rule, and a read access check decides them without a query."""
        keys = [VISIBILITY_KEY_OPEN, self.env.uid]
        if any(self.env.companies.mapped("crm_pool_enabled")):
            keys.append(VISIBILITY_KEY_POOL)
        return [[("crm_visibility_key", "in", keys)]]

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_crm_visible_to_me(self):
        # a read access check (80 rows of a list...) asks this: most rows are
        # decided by their own fields, the rest in one query
        known = self.sudo().filtered_domain(expression.OR(self._crm_visible_by_fields_domains()))
        rest = (self - known)._origin.filtered("id")
        visible = known._origin
        if rest:
            visible |= (
                self.sudo()
                .with_context(active_test=False)
                .search([("id", "in", rest.ids), ("crm_visible_to_me", "=", True)])
            )
        for partner in self:
            partner.crm_visible_to_me = partner._origin in visible

    def _search_crm_visible_to_me(self, operator, value):
        """The rule's domain. The ``id in SQL`` subqueries of
        ``_crm_visible_partner_domains`` are merged into one (``UNION ALL``):
        one hashed lookup per row instead of one per subquery."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Visible to Me: unsupported search %(op)s.", op=operator))
        domains, subqueries = [], []
        for domain in self._crm_visible_partner_domains():
            if (
                len(domain) == 1
                and tuple(domain[0][:2]) == ("id", "in")
                and isinstance(domain[0][2], SQL)
            ):
                subqueries.append(SQL("(%s)", domain[0][2]))
            else:
                domains.append(domain)
        if subqueries:
            domains.append([("id", "in", SQL("(%s)", SQL(" UNION ALL ").join(subqueries)))])
        domain = expression.OR(domains)
        if (operator == "=") != value:
            domain = ["!"] + domain
        return domain

    @api.model
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        """The partners a restricted salesperson finds passed the rule: their
        read access check (a list page read right after) needs no query."""
        records = super().search_fetch(domain, field_names, offset, limit, order)
        if records and self._crm_rule_is_own_customers_only():
            self.env.cache.update(
                records.sudo(), self._fields["crm_visible_to_me"], itertools.repeat(True)
            )
        return records

    @api.model
    def _crm_rule_is_own_customers_only(self):
        """Whether the current user's partners are filtered by the "own
        customers" rule alone (besides global rules): a rule of another of
        their groups would let them see more than ``crm_visible_to_me``."""
        return self._crm_user_is_restricted() and self._crm_own_customers_rule_alone()

    @api.model
    @tools.ormcache("self.env.uid")
    def _crm_own_customers_rule_alone(self):
        # changing a rule or a user's groups clears this cache
        own = self.env.ref(OWN_CUSTOMERS_RULE, raise_if_not_found=False)
        rules = self.env["ir.rule"]._get_rules(self._name).sudo()
        return bool(own) and rules.filtered("groups") == own

    # ---------------------------------------------------------------------
    # Links a restricted salesperson makes (issue 16): a lead, an activity, a
    # ticket, a plan, an override or a contact points only at partners the
    # user saw before the change, and only the owner (or a manager, the
    # system) opens a customer to someone else.
    # ---------------------------------------------------------------------
    @api.model
    def _crm_check_links(self, records, links, grants=()):
        """Refuse the links of ``records`` (a model, or the records written)
        a restricted salesperson may not make; nothing for other users.

        ``links``: ``(field name, partners)``, the partners a partner field
        points at after the change: they (and their commercial entities) must
        be visible to the user now, before the change.

        ``grants``: ``(field name, partners, users)``, the partners a record
        opens by the rule (``_crm_visible_partner_domains``) to ``users``, the
        assignees the field names, or ``None`` for every salesperson (an
        unassigned lead): opening them to anyone but the user needs the
        partners visible by their own fields (own customers, open partners,
        the pool), not through another record given to the user.

        One query for every record of a batch. Extension point: call it from
        the create/write of a model that ``_crm_visible_partner_domains``
        trusts (see ``docs/security.md``).
        """
        if not (links or grants) or not self._crm_user_is_restricted():
            return
        partners = self.sudo().browse()
        for link in (*links, *grants):
            partners |= link[1].sudo()
        partners = partners.exists()
        partners |= partners.commercial_partner_id
        visible = self.with_context(active_test=False).search([("id", "in", partners.ids)])
        hidden = partners - visible.sudo()
        for fname, targets in links:
            targets = targets.sudo() & partners
            if (targets | targets.commercial_partner_id) & hidden:
                raise AccessError(
                    self.env._(
                        "%(field)s: you cannot link a %(model)s to a partner you do not see. "
                        "You see only your own customers (Sales: User: Own Documents Only), "
                        "the public pool and the customers given to you: ask their "
                        "salesperson or a sales manager.",
                        field=records._fields[fname]._description_string(self.env),
                        model=records._description,
                    )
                )
        domain = expression.OR(self._crm_visible_by_fields_domains())
        for fname, targets, users in grants:
            if users is not None and not (users - self.env.user):
                continue
            targets = targets.sudo() & partners
            targets |= targets.commercial_partner_id
            # opened to someone else than the user and the customer's owner
            closed = (targets - targets.filtered_domain(domain)).filtered(
                lambda p, users=users: users is None or users - self.env.user - p.crm_owner_user_id
            )
            if not closed:
                continue
            raise UserError(
                self.env._(
                    "%(field)s: only the salesperson of %(partner)s or a sales manager "
                    "can open it to %(users)s. You see it through a record given to you "
                    "(Sales: User: Own Documents Only).",
                    field=records._fields[fname]._description_string(self.env),
                    # never the name of a hidden partner
                    partner=self.env._("this customer")
                    if closed & hidden
                    else closed[0].display_name,
                    users=", ".join(users.mapped("name"))
                    if users is not None
                    else self.env._("every salesperson (an unassigned record)"),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        # the rule trusts the commercial partner of leads and tickets
        self._crm_check_partner_field(vals_list, "parent_id")
        return super().create(vals_list)

    def write(self, vals):
        self._crm_check_partner_field([vals], "parent_id")
        if "user_id" in vals and self._crm_user_is_restricted():
            self.check_access("write")  # a hidden partner: the usual error, no name
            self._crm_check_owner_change()
        return super().write(vals)

    def _crm_check_owner_change(self):
        """A restricted salesperson changes the salesperson of their own
        customers only (or of open partners, or of the pool's: see the pool
        claim), never of a customer they see through a record given to them."""
        others = self.sudo().filtered(
            lambda p: (
                p.crm_visibility_restricted
                and p.commercial_partner_id == p
                and p.crm_owner_user_id
                and p.crm_owner_user_id != self.env.user
            )
        )
        if others:
            raise UserError(
                self.env._(
                    "Salesperson: only the salesperson of %(partner)s (%(owner)s) or a sales "
                    "manager can change its salesperson.",
                    partner=others[0].display_name,
                    owner=others[0].crm_owner_user_id.name,
                )
            )

    @api.depends("crm_visibility_restricted", "crm_owner_user_id", "parent_id")
    def _compute_crm_in_pool(self):
        for partner in self:
            partner.crm_in_pool = bool(
                partner.crm_visibility_restricted
                and not partner.parent_id
                and not partner.crm_owner_user_id
            )

    def _search_crm_in_pool(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("In Public Pool: unsupported search %(op)s.", op=operator))
        domain = [
            ("crm_visibility_restricted", "=", True),
            ("parent_id", "=", False),
            ("crm_owner_user_id", "=", False),
        ]
        if (operator == "=") != value:
            domain = ["!"] + expression.normalize_domain(domain)
        return domain

    @api.model
    def _crm_default_owner(self, vals_list):
        """A partner created by a restricted salesperson gets them as its
        salesperson, so that it stays visible to them (contacts follow their
        company). An explicit ``user_id`` (or ``default_user_id``) wins.
        ``action_make_customer`` follows the same rule for the partners
        nobody owns that they make customers."""
        if not self._crm_proposes_own_owner():
            return
        for vals in vals_list:
            if "user_id" not in vals and not vals.get("parent_id"):
                vals["user_id"] = self.env.uid

    @api.model
    def _crm_proposes_own_owner(self):
        """Whether a new partner gets the current user as salesperson unless
        told otherwise: a restricted salesperson, no ``default_user_id``."""
        return "default_user_id" not in self.env.context and self._crm_user_is_restricted()

    @api.model
    def default_get(self, fields_list):
        """The form proposes the restricted salesperson as the salesperson of
        a new customer (the form sends ``user_id`` with every save, so the
        default of ``_crm_default_owner`` would never apply there)."""
        res = super().default_get(fields_list)
        if (
            "user_id" in fields_list
            and not res.get("user_id")
            and not res.get("parent_id")
            and self._crm_proposes_own_owner()
        ):
            res["user_id"] = self.env.uid
        return res

    def web_save(self, vals, specification, next_id=None):
        """The form's save (create or write, then read back in the same call)
        by a salesperson who sees only their own customers.

        Decision: a save after which the user could no longer read the
        partner (a customer created for, or handed over to, a colleague; a
        contact added to a colleague's company) is refused with a
        ``UserError`` naming the Salesperson field and the rule, and nothing
        is saved. Without it the read-back raises an ``AccessError`` and
        rolls the save back anyway; answering with the record's data would
        leak a colleague's customer, and the form, its chatter and any reload
        would fail right after. Code, imports and the chatter's own create
        are not concerned: they may create partners for colleagues.

        A sales manager hands customers over (``user_id``), or the public
        pool does (``_crm_pool_assign``).
        """
        if not self._crm_user_is_restricted():
            return super().web_save(vals, specification, next_id=next_id)
        children_before = self.sudo().with_context(active_test=False).child_ids
        with self.env.cr.savepoint():
            # save without reading back, then check what the user may read
            saved = super().web_save(vals, {})
            records = self or self.browse([row["id"] for row in saved])
            new_children = (
                records.sudo().with_context(active_test=False).child_ids - children_before
            )
            (records | new_children.with_env(self.env))._crm_check_visible_after_save()
        if next_id:
            records = self.browse(next_id)
        return records.with_context(bin_size=True).web_read(specification)

    def _check_access(self, operation):
        """A salesperson restricted to their own customers may write the
        partners they are creating, in the transaction that creates them
        (Odoo writes a new partner again inside ``create``, e.g. the inverse
        of the form's company type): a customer created for a colleague is
        then created, and only the form's save refuses it afterwards (see
        ``web_save``). Nothing else is opened: other operations, and every
        partner created earlier or by someone else, follow the rules."""
        result = super()._check_access(operation)
        if (
            result
            and operation == "write"
            and not self.env.su
            and self.env["ir.model.access"].check(self._name, operation, raise_exception=False)
        ):
            forbidden = result[0]
            rest = forbidden - forbidden._crm_created_in_this_transaction()
            if not rest:
                return None
            if rest != forbidden:
                return rest, functools.partial(
                    self.env["ir.rule"]._make_access_error, operation, rest
                )
        return result

    def _crm_created_in_this_transaction(self):
        """The partners of ``self`` the current user created in the current
        transaction."""
        now = self.env.cr.now()
        return self.filtered(
            lambda partner: (
                partner.sudo().create_uid.id == self.env.uid and partner.sudo().create_date == now
            )
        )

    def _crm_check_visible_after_save(self):
        """Raise a ``UserError`` if the current user cannot read ``self``
        (partners just saved by them)."""
        self.env.flush_all()
        visible = self.with_context(active_test=False).search([("id", "in", self.ids)])
        hidden = (self - visible).sudo()
        if not hidden:
            return
        partner = hidden[0]
        owner = partner.crm_owner_user_id
        raise UserError(
            self.env._(
                "Salesperson: after this save you could no longer see %(partner)s, "
                "whose salesperson would be %(owner)s: you see only the customers you "
                "own (Sales: User: Own Documents Only). Keep yourself as the salesperson "
                "(of its company, for a contact), or ask a sales manager to assign it.",
                partner=partner.display_name,
                owner=owner.name or self.env._("nobody"),
            )
        )

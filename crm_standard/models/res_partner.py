import functools
import itertools
import logging
import re
import threading
import unicodedata
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, date_utils, float_round, split_every
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.phone_validation.tools import phone_validation

from ..tools import CONCURRENCY_ERRORS, array_literal, lock_nowait, unnest_sql
from .crm_standard_grade_matrix import GRADES, LEVEL_POINTS, LEVELS, POINT_LEVELS

_logger = logging.getLogger(__name__)

OWN_CUSTOMERS_RULE = "crm_standard.res_partner_rule_crm_own_customers"
# crm_visibility_key of the partners every internal user sees, and of the pool
VISIBILITY_KEY_OPEN = 0
VISIBILITY_KEY_POOL = -1

# Groups allowed to see sensitive commercial figures (revenue, budget, ...):
# sales and service roles. Use it as ``groups=CRM_SENSITIVE_GROUPS``.
CRM_SENSITIVE_GROUPS = (
    "sales_team.group_sale_salesman,crm_standard.group_crm_standard_service_agent"
)

LIFECYCLE_STAGES = [
    ("potential", "Potential"),
    ("intent", "Intent"),
    ("deal", "Deal"),
    ("repeat", "Repeat"),
    ("churned", "Churned"),
]
DECISION_ROLES = [
    ("decision_maker", "Decision Maker"),
    ("influencer", "Influencer"),
    ("user", "User"),
    ("gatekeeper", "Gatekeeper"),
    ("other", "Other"),
]
# Grade columns written by the batch UPDATE, with their SQL types.
_GRADE_COLUMNS = {
    "customer_grade": "varchar",
    "crm_grade_computed": "varchar",
    "crm_value_level": "varchar",
    "crm_potential_level": "varchar",
    "revenue_12m": "numeric",
    "crm_grade_manual": "varchar",
    "crm_grade_manual_reason": "text",
}
# Partner fields whose change moves the potential level or the scope.
_GRADING_INPUTS = {"needs_match", "industry_id", "company_id", "is_crm_customer"}


# Legal-form words dropped before comparing company names for duplicates.
_LEGAL_SUFFIXES = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|集团|公司|\b(co|company|corp|corporation|inc|"
    r"incorporated|ltd|limited|llc|gmbh|sa|sas|sarl|bv|nv|plc|ag|srl|spa)\b)",
    re.IGNORECASE,
)


# An address: a local part, then a domain of two or more non-empty labels
# (IDN labels, e.g. 例子.中国, included).
_EMAIL_LABEL = r"[^@\s<>()\[\],;:\".]+"
_EMAIL_ADDRESS = rf"[^@\s<>()\[\],;:\"]+@{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})+"
_EMAIL_RE = re.compile(rf"^{_EMAIL_ADDRESS}$")
# One item of the field: an address, or an optional name (plain, or quoted
# and then holding commas) and the address in angle brackets.
# The name starts with no blank: the blanks around an item are the
# separator's, else the match would backtrack exponentially on a bad field.
_EMAIL_NAME = r"(?:\"(?:[^\"\\]|\\.)*\"\s*|[^<>@\",;\s][^<>@\",;]*)?"
_EMAIL_ITEM = rf"(?:{_EMAIL_ADDRESS}|{_EMAIL_NAME}<{_EMAIL_ADDRESS}>)"
# The whole field: items separated by commas or semicolons, nothing else.
_EMAIL_FIELD_RE = re.compile(rf"^\s*{_EMAIL_ITEM}\s*(?:[,;]\s*{_EMAIL_ITEM}\s*)*[,;]?\s*$")


def is_valid_email_field(value):
    """Every address of an e-mail field is well formed (``a@b.cn``, ``Name <a@b.cn>``,
    several separated by commas), and the field holds nothing else."""
    emails = tools.email_split(value or "")
    return (
        bool(emails)
        and bool(_EMAIL_FIELD_RE.match(value))
        and value.count("@") == len(emails)
        and all(_EMAIL_RE.match(tools.email_normalize(email) or "") for email in emails)
    )


def normalize_company_name(name):
    """Lower-case, accent-free, legal forms and punctuation removed."""
    if not name:
        return False
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _LEGAL_SUFFIXES.sub(" ", text)
    text = re.sub(r"[\W_]+", "", text)
    return text or False


class ResPartner(models.Model):
    _inherit = "res.partner"

    # -- identity ---------------------------------------------------------
    customer_code = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Unique code given when the company becomes a customer.",
    )
    is_crm_customer = fields.Boolean(
        string="Is a Customer",
        copy=False,
        index=True,
        tracking=True,
        help="Set when the partner becomes a customer: its first opportunity, "
        "or 'Make Customer'. Gives it a customer code.",
    )
    customer_type = fields.Selection(
        [("enterprise", "Enterprise"), ("individual", "Individual")],
        compute="_compute_customer_type",
        store=True,
        readonly=False,
        precompute=True,
    )
    # -- company profile --------------------------------------------------
    industry_id = fields.Many2one(tracking=True)
    employee_count = fields.Integer("Employees", tracking=True, aggregator="sum")
    annual_revenue = fields.Monetary(
        currency_field="crm_currency_id",
        tracking=True,
        aggregator="sum",
        groups=CRM_SENSITIVE_GROUPS,
        help="Yearly revenue of the customer, in the company currency.",
    )
    crm_currency_id = fields.Many2one(
        "res.currency", compute="_compute_crm_currency_id", string="CRM Currency"
    )
    founding_date = fields.Date()
    # -- contacts ---------------------------------------------------------
    decision_role = fields.Selection(
        DECISION_ROLES,
        tracking=True,
        help="Role of this contact in the customer's buying decision.",
    )
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
    # -- data quality -----------------------------------------------------
    completeness_score = fields.Integer(
        compute="_compute_completeness_score",
        store=True,
        aggregator="avg",
        help="Share of the key profile fields that are filled, in percent.",
    )
    crm_name_normalized = fields.Char(
        string="Normalized Name",
        compute="_compute_crm_name_normalized",
        store=True,
        index="btree_not_null",
    )
    crm_phone_sanitized = fields.Char(
        string="Sanitized Phone",
        compute="_compute_crm_phone_sanitized",
        store=True,
        index="btree_not_null",
    )
    crm_duplicate_ids = fields.Many2many(
        "res.partner", compute="_compute_crm_duplicate_ids", string="Possible Duplicates"
    )
    crm_duplicate_count = fields.Integer(
        string="Duplicate Count", compute="_compute_crm_duplicate_ids"
    )
    crm_missing_fields = fields.Char(
        compute="_compute_crm_missing_fields", string="Missing Key Fields"
    )
    # -- approval of key changes -------------------------------------------
    crm_change_request_count = fields.Integer(
        compute="_compute_crm_change_request_count",
        string="Pending Key Changes",
        groups="base.group_user",
    )

    # -- grading (客户分级) and follow-up plans (跟进计划) -------------------
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

    crm_followup_plan_ids = fields.One2many(
        "crm.standard.followup.plan",
        "partner_id",
        string="Follow-up Plans",
        groups="sales_team.group_sale_salesman",
    )
    crm_followup_plan_count = fields.Integer(
        compute="_compute_crm_followup_plan_count", groups="sales_team.group_sale_salesman"
    )

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

    _sql_constraints = [
        ("customer_code_uniq", "unique(customer_code)", "The customer code must be unique."),
    ]

    # ---------------------------------------------------------------------
    # Computes
    # ---------------------------------------------------------------------
    @api.depends("is_company")
    def _compute_customer_type(self):
        for partner in self:
            if not partner.customer_type or partner._origin.is_company != partner.is_company:
                partner.customer_type = "enterprise" if partner.is_company else "individual"

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_crm_currency_id(self):
        for partner in self:
            partner.crm_currency_id = (partner.company_id or self.env.company).currency_id

    @api.model
    def _crm_completeness_fields(self):
        """Fields scored by the completeness score; override to change it.

        Each item counts once. ``contact_channel`` is special: a phone or an
        e-mail, on the partner or one of its contacts.
        """
        return [
            "name",
            "industry_id",
            "contact_channel",
            "country_id",
            "city",
            "employee_count",
            "annual_revenue",
            "founding_date",
            "vat",
            "website",
        ]

    def _crm_completeness_depends(self):
        deps = [f for f in self._crm_completeness_fields() if f != "contact_channel"]
        return deps + [
            "is_company",
            "email",
            "phone",
            "mobile",
            "child_ids.email",
            "child_ids.phone",
            "child_ids.mobile",
        ]

    def _crm_has_contact_channel(self):
        self.ensure_one()
        return any(p.email or p.phone or p.mobile for p in self | self.child_ids)

    @api.depends(lambda self: self._crm_completeness_depends())
    def _compute_completeness_score(self):
        names = self._crm_completeness_fields()
        for partner in self:
            filled = sum(
                1
                for name in names
                if (
                    partner._crm_has_contact_channel()
                    if name == "contact_channel"
                    else partner[name]
                )
            )
            partner.completeness_score = round(100 * filled / len(names)) if names else 100

    @api.depends("name", "is_company")
    def _compute_crm_name_normalized(self):
        for partner in self:
            partner.crm_name_normalized = (
                normalize_company_name(partner.name) if partner.is_company else False
            )

    @api.depends("phone", "mobile", "country_id")
    def _compute_crm_phone_sanitized(self):
        for partner in self:
            number = partner.phone or partner.mobile
            partner.crm_phone_sanitized = (
                number
                and (
                    partner._phone_format(
                        number=number, country=partner._crm_phone_country(), force_format="E164"
                    )
                    or re.sub(r"[^\d+]", "", number)
                )
                or False
            )

    def _crm_duplicate_domain(self):
        """Domain of partners that look like this one; override to tune."""
        self.ensure_one()
        clauses = []
        vat = self.vat and re.sub(r"[\W_]", "", self.vat).upper()
        if vat:
            clauses.append([("vat", "=ilike", self.vat)])
        if self.email_normalized:
            clauses.append([("email_normalized", "=", self.email_normalized)])
        if self.crm_phone_sanitized:
            clauses.append([("crm_phone_sanitized", "=", self.crm_phone_sanitized)])
        if self.crm_name_normalized:
            clauses.append([("crm_name_normalized", "=", self.crm_name_normalized)])
        if not clauses:
            return None
        domain = [
            (
                "id",
                "not in",
                (self._origin | self.commercial_partner_id._origin | self.child_ids._origin).ids,
            )
        ]
        return domain + ["|"] * (len(clauses) - 1) + [leaf for c in clauses for leaf in c]

    @api.depends("vat", "email", "phone", "mobile", "name", "is_company")
    def _compute_crm_duplicate_ids(self):
        for partner in self:
            domain = partner._crm_duplicate_domain()
            dups = self.search(domain, limit=10) if domain else self.browse()
            partner.crm_duplicate_ids = dups
            partner.crm_duplicate_count = len(dups)

    def _crm_missing_required_labels(self):
        """Labels of the company's required key fields this customer lacks."""
        self.ensure_one()
        company = self.company_id or self.env.company
        missing = [
            field.field_description
            for field in company.sudo().crm_required_field_ids
            if field.name in self._fields and not self[field.name]
        ]
        if company.crm_require_contact_channel and not self._crm_has_contact_channel():
            missing.append(self.env._("Phone or E-mail"))
        return missing

    @api.depends_context("company")
    @api.depends("name", "industry_id", "email", "phone", "mobile", "child_ids")
    def _compute_crm_missing_fields(self):
        for partner in self:
            partner.crm_missing_fields = ", ".join(partner._crm_missing_required_labels()) or False

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

    def _compute_crm_followup_plan_count(self):
        counts = dict(
            self.env["crm.standard.followup.plan"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.crm_followup_plan_count = counts.get(partner._origin, 0)

    # ---------------------------------------------------------------------
    # Constraints
    # ---------------------------------------------------------------------
    @api.constrains("employee_count", "annual_revenue")
    def _check_crm_positive_sizes(self):
        for partner in self:
            if partner.employee_count < 0:
                raise ValidationError(
                    self.env._(
                        "Employees: the number of employees of %(name)s cannot be negative.",
                        name=partner.display_name,
                    )
                )
            if partner.annual_revenue < 0:
                raise ValidationError(
                    self.env._(
                        "Annual Revenue: the revenue of %(name)s cannot be negative.",
                        name=partner.display_name,
                    )
                )

    @api.constrains("founding_date")
    def _check_founding_date(self):
        today = fields.Date.context_today(self)
        for partner in self:
            if partner.founding_date and partner.founding_date > today:
                raise ValidationError(
                    self.env._(
                        "Founding Date: %(date)s is in the future (partner %(name)s).",
                        date=partner.founding_date,
                        name=partner.display_name,
                    )
                )

    def _crm_in_quality_scope(self):
        """Partners whose e-mail and phone formats are validated."""
        return self.filtered(
            lambda p: (
                (p.commercial_partner_id.is_crm_customer or p.is_crm_customer)
                and (p.company_id or self.env.company).crm_validate_formats
            )
        )

    def _crm_phone_country(self):
        self.ensure_one()
        return self.country_id or (self.company_id or self.env.company).country_id

    @api.constrains("email", "phone", "mobile")
    def _check_crm_contact_formats(self):
        """E-mail and phone formats of customers, checked when they are
        entered. A partner that becomes a customer (its first opportunity) is
        not blocked by a legacy number: completeness and duplicates report it.
        """
        if self.env.context.get("crm_skip_quality_check"):
            return
        for partner in self._crm_in_quality_scope():
            if partner.email and not is_valid_email_field(partner.email):
                raise ValidationError(
                    self.env._(
                        "E-mail: '%(email)s' of %(name)s is not a valid e-mail address.",
                        email=partner.email,
                        name=partner.display_name,
                    )
                )
            country = partner._crm_phone_country()
            for fname in ("phone", "mobile"):
                number = partner[fname]
                if not number:
                    continue
                try:
                    phone_validation.phone_parse(number, country.code if country else None)
                except UserError as exc:
                    raise ValidationError(
                        self.env._(
                            "%(field)s: '%(number)s' of %(name)s is not a valid phone number "
                            "(%(reason)s). Use the international format, e.g. +86 10 1234 5678.",
                            field=self._fields[fname].get_description(self.env)["string"],
                            number=number,
                            name=partner.display_name,
                            reason=exc.args[0],
                        )
                    ) from exc

    def _crm_check_required_fields(self):
        for partner in self:
            missing = partner._crm_missing_required_labels()
            if missing:
                raise ValidationError(
                    self.env._(
                        "Customer %(name)s lacks required key fields: %(fields)s.",
                        name=partner.display_name,
                        fields=", ".join(missing),
                    )
                )

    # ---------------------------------------------------------------------
    # Customer codes
    # ---------------------------------------------------------------------
    @api.model
    def _crm_next_customer_codes(self, count):
        """Return ``count`` new customer codes, in one query for the batch.

        Extension point: override to use another numbering scheme.
        """
        if not count:
            return []
        numbers = self.env["ir.sequence"]._crm_next_by_code_batch(
            "crm_standard.customer_code", count
        )
        if numbers is None:
            raise UserError(
                self.env._("Customer Code: the sequence 'crm_standard.customer_code' is missing.")
            )
        return numbers

    def _crm_assign_customer_codes(self):
        # Giving a code is a system step, not a key change to approve; sudo:
        # a salesperson may create a customer for a colleague, whom it then
        # belongs to (visibility by owner).
        todo = (
            self.filtered(lambda p: not p.customer_code)
            .sudo()
            .with_context(crm_skip_change_request=True)
        )
        codes = self._crm_next_customer_codes(len(todo))
        for partner, code in zip(todo, codes, strict=False):
            partner.customer_code = code

    def _crm_mark_customer(self):
        """Make the commercial entities of ``self`` customers (codes included)."""
        partners = self.commercial_partner_id.filtered(lambda p: not p.is_crm_customer)
        if partners:
            partners.write({"is_crm_customer": True})
        return partners

    def action_make_customer(self):
        partners = self.commercial_partner_id
        partners._crm_check_required_fields()
        if self._crm_user_is_restricted():
            # the rule of the partners they create (_crm_default_owner): a
            # restricted salesperson is the salesperson of the customer they
            # make, which, owned by nobody, would be hidden from them
            partners.filtered(lambda p: not p.is_crm_customer and not p.user_id).write(
                {"user_id": self.env.uid}
            )
        partners._crm_mark_customer()
        return True

    @api.model
    def _crm_mark_existing_customers(self):
        """Customers by Odoo's own signs: a sale/purchase rank or an opportunity."""
        leads = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search_fetch(
                [("partner_id", "!=", False), ("type", "=", "opportunity")], ["partner_id"]
            )
        )
        partners = leads.partner_id
        if "customer_rank" in self._fields:  # with account installed
            partners |= self.search([("customer_rank", ">", 0)])
        customers = partners.commercial_partner_id.with_context(
            tracking_disable=True, crm_skip_quality_check=True
        )
        # graded once, by the lifecycle recompute
        customers.with_context(crm_skip_grading=True)._crm_mark_customer()
        customers._crm_recompute_lifecycle()
        _logger.info("crm_standard: %s existing customers got a code", len(customers))

    # ---------------------------------------------------------------------
    # Lifecycle
    # ---------------------------------------------------------------------
    def _crm_lifecycle_stats(self):
        """Per commercial partner id: open count, won count, last won date.

        Two grouped queries for the whole batch, whatever its size, on the
        commercial partner stored on the opportunity (no ``child_of``
        expansion of the contacts). An opportunity is won on its closing
        date, or on its creation date when it was created already won (Odoo
        sets ``date_closed`` on a stage change only), as for the revenue.
        """
        stats = {pid: {"open": 0, "won": 0, "last_won": False} for pid in self.ids}
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        base = [
            ("crm_commercial_partner_id", "in", self.ids),
            ("type", "=", "opportunity"),
            ("active", "=", True),
        ]
        won_domain = base + [("stage_id.is_won", "=", True)]
        open_domain = base + [("stage_id.is_won", "=", False), ("probability", "<", 100)]
        # the query of _read_group, with MAX(COALESCE(...)) as the aggregate
        query = Lead._search(won_domain)
        customer = Lead._field_to_sql(query.table, "crm_commercial_partner_id", query)
        query.groupby = customer
        last_won = SQL(
            "MAX(COALESCE(%s, %s))",
            Lead._field_to_sql(query.table, "date_closed", query),
            Lead._field_to_sql(query.table, "create_date", query),
        )
        for partner_id, count, last in self.env.execute_query(
            query.select(customer, SQL("COUNT(*)"), last_won)
        ):
            stats[partner_id].update(won=count, last_won=last or False)
        for partner, count in Lead._read_group(
            open_domain, ["crm_commercial_partner_id"], ["__count"]
        ):
            stats[partner.id]["open"] = count
        return stats

    def _crm_lifecycle_from_stats(self, entry, today):
        """Stage of one customer from its stats; override to change the rules."""
        self.ensure_one()
        last_won = entry["last_won"] and fields.Date.to_date(entry["last_won"])
        if self.lifecycle_churn_date:
            return "churned"
        months = (self.company_id or self.env.company).crm_churn_months
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

    def _crm_recompute_lifecycle(self):
        """Lifecycle stages and last won dates of the customers of ``self``;
        won/lost opportunities also regrade them, and the repeat buyer tag
        follows the stage."""
        partners = self.commercial_partner_id
        if not partners:
            return
        stats = partners._crm_lifecycle_stats()
        today = fields.Date.context_today(self)
        changes = {}
        for partner in partners:
            entry = stats[partner.id]
            stage = partner._crm_lifecycle_from_stats(entry, today)
            last_won = entry["last_won"] and fields.Date.to_date(entry["last_won"])
            vals = {}
            if partner.lifecycle_stage != stage:
                vals["lifecycle_stage"] = stage
            if stage != "churned" and partner.lifecycle_churn_date:
                vals["lifecycle_churn_date"] = False
            if partner.last_won_date != last_won:
                vals["last_won_date"] = last_won
            if vals:
                changes.setdefault(tuple(sorted(vals.items())), []).append(partner.id)
        # one write per distinct change, not one per customer
        for vals, ids in changes.items():
            partners.browse(ids).write(dict(vals))
        customers = partners.filtered("is_crm_customer")
        if customers and not self.env.context.get("crm_skip_grading"):
            customers._crm_recompute_grades()
        customers._crm_sync_value_tags()

    def _crm_lift_manual_churn(self):
        """New business with a churned customer ends a manual churn mark."""
        self.commercial_partner_id.filtered("lifecycle_churn_date").write(
            {"lifecycle_churn_date": False}
        )

    def action_mark_churned(self):
        self.commercial_partner_id.write(
            {
                "lifecycle_stage": "churned",
                "lifecycle_churn_date": fields.Date.context_today(self),
            }
        )
        return True

    def action_recompute_lifecycle(self):
        self.lifecycle_churn_date = False
        self._crm_recompute_lifecycle()
        return True

    def _cron_crm_recompute_lifecycle(self, batch_size=1000):
        """Daily: churn happens with time passing, not only on lead changes.

        The grading has its own scheduled action: skipped here. A failing batch
        is retried customer by customer; a bad customer is logged and skipped.
        """
        Partner = self.with_context(crm_skip_grading=True)
        customers = Partner.search([("is_crm_customer", "=", True)])
        done = 0
        for start in range(0, len(customers), batch_size):
            batch = customers[start : start + batch_size]
            try:
                with self.env.cr.savepoint():
                    batch._crm_recompute_lifecycle()
            except Exception:  # noqa: BLE001 - retried one by one below
                for partner in batch:
                    try:
                        with self.env.cr.savepoint():
                            partner._crm_recompute_lifecycle()
                    except Exception:
                        _logger.exception(
                            "crm_standard: lifecycle recompute of partner %s skipped", partner.id
                        )
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(customers) - done)

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
        customers' companies, the revenue) plus one rate lookup per currency
        pair.

        Extension point: a bridge module overrides this method to count posted
        invoices or confirmed sale orders instead.
        """
        result = dict.fromkeys(self.ids, 0.0)
        if not self:
            return result
        # companies and commercial partners by grouped queries: no per-record
        # field access on batches of thousands of customers
        target_by_id = {}
        for company, ids in self.with_context(active_test=False)._read_group(
            [("id", "in", self.ids)], ["company_id"], ["id:array_agg"]
        ):
            target_by_id.update(dict.fromkeys(ids, company or self.env.company))
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
        Company = self.env["res.company"]
        rates = {}
        for customer_id, company_id, amount in rows:
            if not amount or customer_id not in result:
                continue
            target = target_by_id[customer_id]
            key = (company_id, target.id)
            if key not in rates:
                source = Company.browse(company_id) if company_id else self.env.company
                rates[key] = self.env["res.currency"]._get_conversion_rate(
                    source.currency_id, target.currency_id, target, today
                )
            result[customer_id] += amount * rates[key]
        rounding = {}
        for customer_id, amount in result.items():
            company = target_by_id[customer_id]
            if company.id not in rounding:
                rounding[company.id] = company.currency_id.rounding
            result[customer_id] = float_round(amount, precision_rounding=rounding[company.id])
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
            SELECT p.id, p.company_id, p.customer_grade, p.crm_grade_computed,
                   p.crm_grade_manual, p.crm_value_level, p.crm_potential_level,
                   p.revenue_12m, p.needs_match, p.industry_id, i.growth_rate
              FROM res_partner p
         LEFT JOIN res_partner_industry i ON i.id = p.industry_id
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
        revenue_by_id = batch._crm_grading_revenue_by_partner()
        table = self.env["crm.standard.grade.matrix"]._crm_grade_table()
        Matrix = self.env["crm.standard.grade.matrix"]
        Company = self.env["res.company"].sudo()
        companies, currencies, memo = {}, {}, {}
        values_by_id, old_grades = {}, {}
        for row in rows:
            company_id = row["company_id"] or self.env.company.id
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
        columns = [("int", ids)] + [
            (_GRADE_COLUMNS[f], [values_by_id[pid][f] for pid in ids]) for f in fnames
        ]
        self.env.cr.execute(
            SQL(
                """
            UPDATE res_partner AS p
               SET %(sets)s, write_uid = %(uid)s, write_date = (now() at time zone 'UTC')
              FROM %(rows)s AS v(id, %(cols)s)
             WHERE p.id = v.id AND p.id = ANY(%(ids)s::int[])
            """,
                ids=array_literal("int", ids),
                sets=SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(f), SQL.identifier(f)) for f in fnames
                ),
                uid=self.env.uid,
                rows=unnest_sql(columns),
                cols=SQL(", ").join(SQL.identifier(f) for f in fnames),
            )
        )
        records = self.browse(ids)
        records.invalidate_recordset([*fnames, "write_uid", "write_date"])
        records.modified(fnames)
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
            changed._crm_log_grade_changes(changed_old, source, override_by_id or {})
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

    def _crm_log_grade_changes(self, old_grades, source, override_by_id):
        """Chatter tracking of ``customer_grade`` and history rows, set-based.

        The equivalent of ``tracking=True`` plus ``_message_log_batch`` (same
        author, subtype, message id and tracking values as an ORM write would
        log) for :meth:`_crm_grade_chatter_partners`, and a history row for
        every change, written with two INSERT ... SELECT statements for the
        whole batch: creating thousands of mail.message records through the
        ORM would cost far more than the grading itself (see bench/).
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
            author_id, email_from = self._message_compute_author(raise_on_email=False)
            bodies = {}
            if source == "manual":
                for partner in chatter:
                    bodies[partner.id] = str(
                        escape(
                            self.env._(
                                "Manual grade: %(reason)s",
                                reason=partner.crm_grade_manual_reason or "",
                            )
                            if partner.crm_grade_manual
                            else self.env._("Manual grade removed: the computed grade applies.")
                        )
                    )
            cr.execute(
                SQL(
                    """
                WITH v(id, old_grade, body) AS (SELECT * FROM %(rows)s),
                msg AS (
                    INSERT INTO mail_message (
                        model, res_id, message_type, subtype_id, author_id, email_from,
                        reply_to, message_id, body, is_internal, email_add_signature,
                        date, create_uid, write_uid, create_date, write_date)
                    SELECT %(model)s, v.id, 'notification', %(subtype)s, %(author)s,
                           %(email_from)s, %(reply_to)s, %(message_id)s, v.body, TRUE, FALSE,
                           %(now)s, %(uid)s, %(uid)s, %(now)s, %(now)s
                      FROM v
                 RETURNING id, res_id)
                INSERT INTO mail_tracking_value (
                    field_id, old_value_char, new_value_char, mail_message_id,
                    create_uid, write_uid, create_date, write_date)
                SELECT %(field)s, COALESCE(v.old_grade, ''), COALESCE(p.customer_grade, ''),
                       msg.id, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM msg
                  JOIN v ON v.id = msg.res_id
                  JOIN res_partner p ON p.id = msg.res_id
                 WHERE p.id = ANY(%(ids)s::int[])
                """,
                    ids=array_literal("int", chatter.ids),
                    rows=unnest_sql(
                        [
                            ("int", chatter.ids),
                            ("varchar", [old_grades[pid] or None for pid in chatter.ids]),
                            ("text", [bodies.get(pid, "") for pid in chatter.ids]),
                        ]
                    ),
                    model=self._name,
                    subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                    author=author_id,
                    email_from=email_from,
                    reply_to=self.env["mail.thread"]._notify_get_reply_to(default=email_from)[
                        False
                    ],
                    message_id=generate_tracking_message_id("message-notify"),
                    now=now,
                    uid=uid,
                    field=self.env["ir.model.fields"]._get(self._name, "customer_grade").id,
                )
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

        Default: propose the follow-up plan of the new grade
        (:meth:`_crm_propose_followup_plans`). Keep overrides set-based.
        """
        self._crm_propose_followup_plans()

    def _crm_propose_followup_plans(self):
        """Extension point: propose the plans of the customers of ``self``.

        Skipped with the context key ``crm_skip_followup_plans``.
        """
        if self.env.context.get("crm_skip_followup_plans"):
            return self.env["crm.standard.followup.plan"]
        return self.env["crm.standard.followup.plan"].sudo()._crm_propose_for_partners(self)

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
        # commit per batch when run by the cron worker, never during an
        # install/upgrade (demo data calls this) nor in tests
        auto_commit = self.env.registry.ready and not getattr(
            threading.current_thread(), "testing", False
        )
        Partner = self.sudo()
        ids = Partner.search([("is_crm_customer", "=", True)], order="id").ids
        done = 0
        for batch_ids in split_every(batch_size, ids):
            batch = Partner.browse(batch_ids)
            try:
                with self.env.cr.savepoint():
                    batch._crm_recompute_grades(skip_locked=True)
            except CONCURRENCY_ERRORS:
                # customers of our snapshot were just graded by another
                # transaction: theirs now, the next run checks them again
                _logger.info(
                    "crm_standard: grading batch %s..%s changed by another transaction, left to it",
                    batch_ids[0],
                    batch_ids[-1],
                )
            except Exception:  # noqa: BLE001 - retried one by one below
                _logger.warning(
                    "crm_standard: grading batch %s..%s failed, retrying customer by customer",
                    batch_ids[0],
                    batch_ids[-1],
                )
                for partner in batch:
                    try:
                        with self.env.cr.savepoint():
                            partner._crm_recompute_grades(skip_locked=True)
                    except Exception:
                        _logger.exception("crm_standard: grading of partner %s skipped", partner.id)
            done += len(batch_ids)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(ids) - done)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
        return done

    # ---------------------------------------------------------------------
    # Automatic value tags
    # ---------------------------------------------------------------------
    def _crm_value_tag_rules(self):
        """Automatic value tags: a list of ``(tag xml id, partner domain)``.

        A customer carries the tag exactly when it matches the domain. Extension
        point. The "Complaint" tag follows the customer's complaint tickets: it
        is synced alone (context ``crm_value_tag_rules="complaint"``) when they
        change; a grade change syncs the grade tags alone (``"grade"``). Rules whose tag is missing are skipped.
        """
        family = self.env.context.get("crm_value_tag_rules")
        if family == "complaint":
            # the tickets feature syncs this tag alone when complaints change
            return [
                ("crm_standard.partner_tag_complaint", [("crm_complaint_ticket_count", ">", 0)])
            ]
        rules = [
            (f"crm_standard.partner_tag_grade_{grade.lower()}", [("customer_grade", "=", grade)])
            for grade, _label in GRADES
        ]
        if family == "grade":
            # a grade change moves the grade tags only
            return rules
        rules.append(
            ("crm_standard.partner_tag_repeat_buyer", [("lifecycle_stage", "=", "repeat")])
        )
        return rules

    def _crm_sync_value_tags(self):
        """Give the customers of ``self`` exactly the automatic tags they call for.

        Set-based and idempotent: one query for all the rules (their searches
        joined by UNION ALL), one read of the tag relation, one INSERT (ON
        CONFLICT DO NOTHING) and one DELETE for the whole recordset. Anyone
        may call it after changing what a rule reads.
        """
        self.fetch(["commercial_partner_id"])
        partners = self.commercial_partner_id
        if not partners:
            return
        ModelData = self.env["ir.model.data"]
        Partner = self.sudo().with_context(active_test=False)
        # the ids as one array parameter, not one parameter per id and rule
        ids = SQL("(SELECT unnest(%s::int[]))", array_literal("int", partners.ids))
        wanted, searches = {}, []
        for xmlid, domain in self._crm_value_tag_rules():
            tag_id = ModelData._xmlid_to_res_id(xmlid, raise_if_not_found=False)
            if tag_id:
                wanted[tag_id] = set()
                query = Partner._search([("id", "in", ids), *domain])
                searches.append(SQL("SELECT %s, sub.id FROM (%s) sub", tag_id, query.subselect()))
        if not wanted:
            return
        for tag_id, partner_id in self.env.execute_query(SQL(" UNION ALL ").join(searches)):
            wanted[tag_id].add(partner_id)
        relation = self._fields["category_id"].relation
        self.env["res.partner"].flush_model(["category_id"])
        self.env.cr.execute(
            SQL(
                "SELECT category_id, partner_id FROM %s WHERE partner_id IN %s AND category_id IN %s",
                SQL.identifier(relation),
                tuple(partners.ids),
                tuple(wanted),
            )
        )
        have = set(self.env.cr.fetchall())
        to_add = [
            (tag, pid) for tag, pids in wanted.items() for pid in pids if (tag, pid) not in have
        ]
        to_remove = [(tag, pid) for tag, pid in have if pid not in wanted[tag]]
        if to_add:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO %s (category_id, partner_id) SELECT * FROM %s "
                    "ON CONFLICT DO NOTHING",
                    SQL.identifier(relation),
                    unnest_sql(
                        [("int", [t for t, _p in to_add]), ("int", [p for _t, p in to_add])]
                    ),
                )
            )
        if to_remove:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE (category_id, partner_id) IN (SELECT * FROM %s)",
                    SQL.identifier(relation),
                    unnest_sql(
                        [("int", [t for t, _p in to_remove]), ("int", [p for _t, p in to_remove])]
                    ),
                )
            )
        if to_add or to_remove:
            touched = self.browse({pid for _tag, pid in to_add + to_remove})
            touched.invalidate_recordset(["category_id"])
            self.env["res.partner.category"].browse(wanted).invalidate_recordset(["partner_ids"])
            touched.modified(["category_id"])

    def _crm_check_automatic_tags(self, before, auto=None):
        if auto is None:
            auto = self.env["res.partner.category"]._crm_automatic_tag_ids()
        for partner in self:
            if (set(partner.category_id.ids) & auto) != before.get(partner.id, set()):
                raise UserError(
                    self.env._(
                        "Tags: %(partner)s: automatic value tags (grade, repeat buyer, "
                        "complaint) are kept in sync by the system and cannot be added or "
                        "removed by hand.",
                        partner=partner.display_name,
                    )
                )

    # ---------------------------------------------------------------------
    # ORM
    # ---------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # The flag and the code belong to the commercial entity: a contact
        # created as a customer makes its company the customer.
        contact_flags = [
            bool(v.get("parent_id") and v.pop("is_crm_customer", False)) for v in vals_list
        ]
        self._crm_default_owner(vals_list)
        guard = any("category_id" in vals for vals in vals_list) and not self.env.context.get(
            "crm_value_tag_sync"
        )
        partners = super().create(vals_list)
        if guard:
            partners._crm_check_automatic_tags({})
        partners.filtered("is_crm_customer")._crm_assign_customer_codes()
        partners.browse(
            p.id for p, flag in zip(partners, contact_flags, strict=False) if flag
        )._crm_mark_customer()
        partners._crm_after_save()
        customers = partners.filtered("is_crm_customer")
        if customers and not self.env.context.get("crm_skip_grading"):
            customers.sudo()._crm_recompute_grades()
        return partners

    def write(self, vals):
        claimed = self._crm_pool_claim_on_write(vals) if "user_id" in vals else None
        if claimed:
            # their salesperson is set by the claim: write the rest only
            rest = {k: v for k, v in vals.items() if k != "user_id"}
            others = self - claimed
            res = others.write(vals) if others else True
            return (claimed.write(rest) if rest else True) and res
        if "user_id" in vals and "crm_owner_date" not in vals:
            today = fields.Date.context_today(self)
            vals = dict(vals, crm_owner_date=today if vals["user_id"] else False)
        diverted = self._crm_divert_key_changes(vals)
        if diverted:
            # The key fields of ``diverted`` wait for approval; the rest of
            # the write, and the write of every other partner, go through.
            keys = set(self._crm_key_change_fields())
            rest = {k: v for k, v in vals.items() if k not in keys}
            others = self - diverted
            res = others.write(vals) if others else True
            return (diverted.write(rest) if rest else True) and res
        contacts = self.filtered("parent_id") if vals.get("is_crm_customer") else None
        if contacts:
            contacts.commercial_partner_id._crm_mark_customer()
            rest = {k: v for k, v in vals.items() if k != "is_crm_customer"}
            res = contacts.write(rest) if rest else True
            others = self - contacts
            return (others.write(vals) if others else True) and res
        before = None
        if "category_id" in vals and not self.env.context.get("crm_value_tag_sync"):
            auto = self.env["res.partner.category"]._crm_automatic_tag_ids()
            before = {partner.id: set(partner.category_id.ids) & auto for partner in self}
        res = super().write(vals)
        if before is not None:
            self._crm_check_automatic_tags(before, auto)
        if vals.get("is_crm_customer"):
            self._crm_assign_customer_codes()
        self._crm_after_save(vals)
        if _GRADING_INPUTS.intersection(vals) and not self.env.context.get("crm_skip_grading"):
            self.commercial_partner_id.filtered("is_crm_customer").sudo()._crm_recompute_grades()
        return res

    @api.model
    def _crm_system_fields(self):
        """Partner fields the system writes by itself, never a user's edit of
        the customer's data: the customer flag and code (first opportunity,
        install), the lifecycle (opportunities won or lost, scheduled action,
        churn mark), the salesperson and the public pool's dates (claim,
        assignment, release), the grades, and Odoo's bounce counter.

        A write of these fields only is not checked by strict mode (see
        ``_crm_after_save``). Extension point: add the fields your own
        automations write.
        """
        return {
            "is_crm_customer",
            "customer_code",
            "lifecycle_stage",
            "lifecycle_churn_date",
            "last_won_date",
            "user_id",
            "crm_owner_date",
            "crm_pool_release_date",
            "crm_pool_previous_user_id",
            "crm_pool_claim_user_id",
            "crm_pool_claim_date",
            *_GRADE_COLUMNS,
            "message_bounce",
        }

    def _crm_after_save(self, vals=None):
        """Strict mode: a customer saved without its required key fields fails.

        ``vals`` is what a ``write`` wrote (``None`` for a create). The check
        is the user's: a write of system fields only (``_crm_system_fields``:
        an opportunity won, the public pool, the churn mark...) is not checked,
        so that an incomplete customer can still be won, claimed or released,
        while any save that edits its data (the form sends the fields edited)
        still is.
        """
        if self.env.context.get("crm_skip_quality_check"):
            return
        if vals is not None and set(vals) <= self._crm_system_fields():
            return
        strict = self.filtered(
            lambda p: (
                p.is_crm_customer
                and not p.parent_id
                and (p.company_id or self.env.company).crm_strict_required_fields
            )
        )
        strict._crm_check_required_fields()

    def copy_data(self, default=None):
        """A copy gets its own customer code and none of the automatic tags."""
        vals_list = super().copy_data(default=default)
        auto = None
        for vals in vals_list:
            vals.pop("customer_code", None)
            commands = vals.get("category_id")
            if not commands:
                continue
            if auto is None:
                auto = self.env["res.partner.category"]._crm_automatic_tag_ids()
            vals["category_id"] = [
                (6, 0, [tid for tid in cmd[2] if tid not in auto]) if cmd[0] == 6 else cmd
                for cmd in commands
            ]
        return vals_list

    # ---------------------------------------------------------------------
    # Approval of key changes
    # ---------------------------------------------------------------------
    @api.model
    def _crm_key_change_fields(self):
        """Customer fields whose change by a non-manager needs approval.

        Extension point: override and extend the list (e.g. a grade override
        or a credit limit); fields missing on the model are ignored.
        """
        return [
            fname
            for fname in (
                "name",
                "vat",
                "customer_code",
                "annual_revenue",
                "credit_limit",
                "property_payment_term_id",
            )
            if fname in self._fields
        ]

    def _crm_key_change_bypass(self):
        """True when writes of key fields apply at once, without approval.

        Sales managers (CRM Standard administrators included) and system
        paths: superuser/sudo (module install, and the module's own paths that
        say ``crm_skip_change_request``, all run sudo) and scheduled actions
        run by Odoo's cron workers, whatever their user. Context keys never
        count on their own: a client sets the context of its RPC calls.
        Override to widen or narrow.
        """
        if self.env.su or self.env.user.has_group("sales_team.group_sale_manager"):
            return True
        # set by the server, never by a client: the cron threads (threaded
        # server) and the work thread of a cron worker process (prefork)
        thread = threading.current_thread()
        return getattr(thread, "type", None) == "cron" or thread.name.startswith(
            "Worker WorkerCron"
        )

    @api.model
    def _crm_key_value(self, fname, value):
        """JSON-able normal form of ``value`` for field ``fname`` (for
        comparing and storing it in a change request)."""
        field = self._fields[fname]
        if isinstance(value, models.BaseModel):
            value = value.ids if field.type in ("one2many", "many2many") else value.id
        if field.type in ("float", "monetary"):
            return round(float(value or 0.0), 6)
        if field.type == "integer":
            return int(value or 0)
        if field.type == "date":
            return fields.Date.to_string(value) if value else False
        if field.type == "datetime":
            return fields.Datetime.to_string(value) if value else False
        return value or False

    def _crm_divert_key_changes(self, vals):
        """Turn the key-field changes of ``vals`` on customers into pending
        change requests; return the partners whose key fields were diverted.

        Only existing customers (``is_crm_customer``) are concerned, and only
        fields whose value really changes.
        """
        keys = [fname for fname in self._crm_key_change_fields() if fname in vals]
        if not keys or not self or self._crm_key_change_bypass():
            return self.browse()
        changes = []
        for partner in self.filtered("is_crm_customer"):
            for fname in keys:
                old = self._crm_key_value(fname, partner[fname])
                new = self._crm_key_value(fname, vals[fname])
                if old != new:
                    changes.append((partner, fname, old, new))
        if not changes:
            return self.browse()
        diverted = self.browse([partner.id for partner, *__ in changes])
        # The requester must be allowed to make the change in the first place.
        diverted.check_access("write")
        diverted.check_field_access_rights("write", keys)
        requests = self.env["crm.standard.change.request"]._crm_create_from_changes(changes)
        diverted._crm_notify_change_requests(requests)
        return diverted

    def _crm_notify_change_requests(self, requests):
        """Tell the requester: a note on each customer (without the values,
        which may be restricted) and a notification in the browser."""
        for partner in self:
            mine = requests.filtered(lambda r, p=partner: r.partner_id == p)
            labels = ", ".join(mine.mapped("field_label"))
            partner.sudo().message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Change of %(fields)s submitted for approval by a sales manager.", fields=labels
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        self.env.user._bus_send(
            "simple_notification",
            {
                "type": "warning",
                "title": self.env._("Approval requested"),
                "message": self.env._(
                    "%(count)s change(s) of key customer information wait for a "
                    "sales manager's approval: %(changes)s.",
                    count=len(requests),
                    changes=", ".join(requests.mapped("display_name")),
                ),
            },
        )

    @api.depends_context("uid")
    def _compute_crm_change_request_count(self):
        counts = dict(
            self.env["crm.standard.change.request"]._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "pending")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.crm_change_request_count = counts.get(partner._origin, 0)

    def action_view_crm_change_requests(self):
        return self._crm_records_action(
            "crm_standard.crm_standard_change_request_action",
            context={"search_default_filter_pending": 1},
        )

    # ---------------------------------------------------------------------
    # UI
    # ---------------------------------------------------------------------
    @api.onchange("name", "vat", "email", "phone", "mobile")
    def _onchange_crm_duplicates(self):
        if self.crm_duplicate_ids:
            return {
                "warning": {
                    "title": self.env._("Possible duplicate"),
                    "message": self.env._(
                        "This partner looks like: %(names)s (same VAT, e-mail, phone or name).",
                        names=", ".join(self.crm_duplicate_ids.mapped("display_name")),
                    ),
                }
            }
        return None

    def action_view_crm_duplicates(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Possible Duplicates"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", (self | self.crm_duplicate_ids).ids)],
        }

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

    def _crm_records_action(self, xmlid, field="partner_id", partner=None, context=None):
        """Window action ``xmlid`` on the records whose ``field`` is the
        customer (``partner``, default ``self``), new records defaulting to it.
        The smart buttons of the customer form use it."""
        self.ensure_one()
        partner = partner or self
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [(field, "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id, **(context or {})}
        return action

    def action_view_crm_grade_history(self):
        return self._crm_records_action("crm_standard.crm_standard_grade_history_action")

    def action_view_crm_grade_overrides(self):
        return self._crm_records_action("crm_standard.crm_standard_grade_override_action")

    def action_view_crm_followup_plans(self):
        return self._crm_records_action(
            "crm_standard.crm_standard_followup_plan_action", partner=self.commercial_partner_id
        )

    # Service tickets (crm.standard.ticket): smart button, history tab,
    # complaint data for value tags and the health score.
    # =====================================================================
    crm_ticket_ids = fields.One2many(
        "crm.standard.ticket",
        "commercial_partner_id",
        string="Tickets",
        groups="crm_standard.group_crm_standard_service_agent,sales_team.group_sale_salesman",
    )
    crm_ticket_count = fields.Integer(
        string="Ticket Count",
        compute="_compute_crm_ticket_count",
        groups="crm_standard.group_crm_standard_service_agent,sales_team.group_sale_salesman",
    )
    crm_complaint_ticket_count = fields.Integer(
        string="Complaint Tickets",
        compute="_compute_crm_complaint_ticket_count",
        search="_search_crm_complaint_ticket_count",
        help="Complaint tickets of this customer (archived ones excluded).",
    )

    def _compute_crm_ticket_count(self):
        partners = self.commercial_partner_id
        counts = dict(
            self.env["crm.standard.ticket"]._read_group(
                [("commercial_partner_id", "in", partners.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.crm_ticket_count = counts.get(partner.commercial_partner_id, 0)

    def _compute_crm_complaint_ticket_count(self):
        counts = self._origin.commercial_partner_id._crm_complaint_counts()
        for partner in self:
            partner.crm_complaint_ticket_count = counts.get(
                partner._origin.commercial_partner_id.id, 0
            )

    def _search_crm_complaint_ticket_count(self, operator, value):
        """Customers by number of complaint tickets, e.g. ``[('crm_complaint_ticket_count', '>', 0)]``."""
        ops = {
            "=": "__eq__",
            "!=": "__ne__",
            ">": "__gt__",
            ">=": "__ge__",
            "<": "__lt__",
            "<=": "__le__",
        }
        if operator not in ops or not isinstance(value, int):
            raise UserError(
                self.env._(
                    "Complaint Tickets: unsupported search %(operator)s %(value)s.",
                    operator=operator,
                    value=value,
                )
            )
        counts = {
            partner.id: count
            for partner, count in self.env["crm.standard.ticket"]
            .sudo()
            .with_context(active_test=True)
            ._read_group(
                [("ticket_type", "=", "complaint")], ["commercial_partner_id"], ["__count"]
            )
            if partner
        }
        matching = [pid for pid, count in counts.items() if getattr(count, ops[operator])(value)]
        if getattr(0, ops[operator])(value):  # customers without complaint match too
            return [
                "|",
                ("commercial_partner_id", "in", matching),
                ("commercial_partner_id", "not in", list(counts)),
            ]
        return [("commercial_partner_id", "in", matching)]

    def _crm_complaint_counts(self, date_from=None):
        """{commercial partner id: complaint tickets} for ``self`` (one query).

        :param date_from: only tickets received from this datetime on (e.g. the
            last 12 months for a health score).
        """
        if not self.ids:
            return {}
        domain = [("commercial_partner_id", "in", self.ids), ("ticket_type", "=", "complaint")]
        if date_from:
            domain.append(("date_received", ">=", date_from))
        return {
            partner.id: count
            for partner, count in self.env["crm.standard.ticket"]
            .sudo()
            .with_context(active_test=True)
            ._read_group(domain, ["commercial_partner_id"], ["__count"])
        }

    def _crm_on_complaints_changed(self):
        """Extension point: the complaint tickets of these customers changed.

        Called with the commercial partners concerned after a complaint ticket
        is created, archived, deleted, or changes type or customer: syncs the
        automatic value tags (the "Complaint" tag). Override to add more (the
        health score, for example); ``crm_complaint_ticket_count`` is up to date.
        """
        self.sudo().with_context(crm_value_tag_rules="complaint")._crm_sync_value_tags()
        return True

    def action_view_crm_tickets(self):
        action = self._crm_records_action(
            "crm_standard.crm_standard_ticket_action",
            field="commercial_partner_id",
            partner=self.commercial_partner_id,
            context={"search_default_open": 0},
        )
        action["context"]["default_partner_id"] = self.id
        return action

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
        customer): its own, or the current one for a shared customer."""
        self.ensure_one()
        return self.company_id or self.env.company

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
                        "company_id": (partner.company_id or self.env.company).id,
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

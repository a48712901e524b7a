import logging
import re
import unicodedata

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from odoo.addons.phone_validation.tools import phone_validation

from ..tools import system_flag
from ..tools.partner import _GRADE_COLUMNS, CRM_SENSITIVE_GROUPS

_logger = logging.getLogger(__name__)

DECISION_ROLES = [
    ("decision_maker", "Decision Maker"),
    ("influencer", "Influencer"),
    ("user", "User"),
    ("gatekeeper", "Gatekeeper"),
    ("other", "Other"),
]
# Partner fields whose change moves the potential level or the scope.
_GRADING_INPUTS = {"needs_match", "industry_id", "company_id", "is_crm_customer"}
# cursor cache key: while set, writes collect the customers to regrade
# (server code only: a client cannot reach the cursor)
GRADING_DEFERRED = "crm_standard.grading_deferred"
# the fields whose formats a customer's save checks (_check_crm_contact_formats)
CONTACT_FORMAT_FIELDS = frozenset({"email", "phone", "mobile"})


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

    def _validate_fields(self, field_names, excluded_names=()):
        field_names = set(field_names)
        res = super()._validate_fields(field_names, excluded_names)
        written = CONTACT_FORMAT_FIELDS.intersection(field_names).difference(excluded_names)
        if written:
            self._check_crm_contact_formats(written)
        return res

    def _check_crm_contact_formats(self, fnames=CONTACT_FORMAT_FIELDS):
        """E-mail and phone formats of customers, checked when they are
        entered: only the fields written (``fnames``). A partner that becomes
        a customer (its first opportunity), or whose e-mail is written, is not
        blocked by a legacy number accepted before: completeness and
        duplicates report it.
        """
        if system_flag(self.env, "crm_skip_quality_check"):
            return
        for partner in self._crm_in_quality_scope():
            if "email" in fnames and partner.email and not is_valid_email_field(partner.email):
                raise ValidationError(
                    self.env._(
                        "E-mail: '%(email)s' of %(name)s is not a valid e-mail address.",
                        email=partner.email,
                        name=partner.display_name,
                    )
                )
            country = partner._crm_phone_country()
            for fname in ("phone", "mobile"):
                number = fname in fnames and partner[fname]
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
            # a system-set flag (_crm_protected_fields): callers checked the user
            partners.sudo().write({"is_crm_customer": True})
        return partners

    def action_make_customer(self):
        partners = self.commercial_partner_id
        partners.check_access("write")
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
        guard = any("category_id" in vals for vals in vals_list) and not system_flag(
            self.env, "crm_value_tag_sync"
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
        if customers and not system_flag(self.env, "crm_skip_grading"):
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
        if "category_id" in vals and not system_flag(self.env, "crm_value_tag_sync"):
            auto = self.env["res.partner.category"]._crm_automatic_tag_ids()
            before = {partner.id: set(partner.category_id.ids) & auto for partner in self}
        res = super().write(vals)
        if before is not None:
            self._crm_check_automatic_tags(before, auto)
        if vals.get("is_crm_customer"):
            self._crm_assign_customer_codes()
        self._crm_after_save(vals)
        if _GRADING_INPUTS.intersection(vals) and not system_flag(self.env, "crm_skip_grading"):
            customers = self.commercial_partner_id.filtered("is_crm_customer")
            deferred = self.env.cr.cache.get(GRADING_DEFERRED)
            if deferred is not None:
                # a batch (the import's row-by-row writes) regrades them once
                deferred.update(customers.ids)
            else:
                customers.sudo()._crm_recompute_grades()
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
        if system_flag(self.env, "crm_skip_quality_check"):
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

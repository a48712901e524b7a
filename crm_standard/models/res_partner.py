import logging
import re
import unicodedata

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from odoo.addons.phone_validation.tools import phone_validation

_logger = logging.getLogger(__name__)

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
# Legal-form words dropped before comparing company names for duplicates.
_LEGAL_SUFFIXES = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|集团|公司|\b(co|company|corp|corporation|inc|"
    r"incorporated|ltd|limited|llc|gmbh|sa|sas|sarl|bv|nv|plc|ag|srl|spa)\b)",
    re.IGNORECASE,
)


_EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+(\.[^@\s<>()\[\],;:\"]+)+$")


def is_valid_email_field(value):
    """Every address of an e-mail field is well formed (``a@b.cn``, ``Name <a@b.cn>``)."""
    emails = tools.email_split(value or "")
    return (
        bool(emails)
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

    @api.constrains("email", "phone", "mobile", "is_crm_customer", "parent_id")
    def _check_crm_contact_formats(self):
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
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [
                    ("code", "=", "crm_standard.customer_code"),
                    ("company_id", "in", [self.env.company.id, False]),
                ],
                order="company_id",
                limit=1,
            )
        )
        if not sequence:
            raise UserError(
                self.env._("Customer Code: the sequence 'crm_standard.customer_code' is missing.")
            )
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence.next_by_id() for __ in range(count)]
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            ["ir_sequence_%03d" % sequence.id, count],
        )
        return [sequence.get_next_char(row[0]) for row in self.env.cr.fetchall()]

    def _crm_assign_customer_codes(self):
        # Giving a code is a system step, not a key change to approve.
        todo = self.filtered(lambda p: not p.customer_code).with_context(
            crm_skip_change_request=True
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
        customers._crm_mark_customer()
        customers._crm_recompute_lifecycle()
        _logger.info("crm_standard: %s existing customers got a code", len(customers))

    # ---------------------------------------------------------------------
    # Lifecycle
    # ---------------------------------------------------------------------
    def _crm_lifecycle_stats(self):
        """Per commercial partner id: open count, won count, last won date.

        Two grouped queries for the whole batch, whatever its size.
        """
        stats = {pid: {"open": 0, "won": 0, "last_won": False} for pid in self.ids}
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        base = [("partner_id", "child_of", self.ids), ("type", "=", "opportunity")]
        won_domain = base + [("active", "=", True), ("stage_id.is_won", "=", True)]
        open_domain = base + [
            ("active", "=", True),
            ("stage_id.is_won", "=", False),
            ("probability", "<", 100),
        ]
        for partner, count, last in Lead._read_group(
            won_domain, ["partner_id"], ["__count", "date_closed:max"]
        ):
            entry = stats.setdefault(
                partner.commercial_partner_id.id, {"open": 0, "won": 0, "last_won": False}
            )
            entry["won"] += count
            if last and (not entry["last_won"] or last > entry["last_won"]):
                entry["last_won"] = last
        for partner, count in Lead._read_group(open_domain, ["partner_id"], ["__count"]):
            entry = stats.setdefault(
                partner.commercial_partner_id.id, {"open": 0, "won": 0, "last_won": False}
            )
            entry["open"] += count
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
        partners = self.commercial_partner_id
        if not partners:
            return
        stats = partners._crm_lifecycle_stats()
        today = fields.Date.context_today(self)
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
                partner.write(vals)

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
        """Daily: churn happens with time passing, not only on lead changes."""
        customers = self.search([("is_crm_customer", "=", True)])
        done = 0
        for start in range(0, len(customers), batch_size):
            batch = customers[start : start + batch_size]
            try:
                with self.env.cr.savepoint():
                    batch._crm_recompute_lifecycle()
            except Exception:
                _logger.exception("crm_standard: lifecycle recompute failed for %s", batch.ids)
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(customers) - done)

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
        partners = super().create(vals_list)
        partners.filtered("is_crm_customer")._crm_assign_customer_codes()
        partners.browse(
            p.id for p, flag in zip(partners, contact_flags, strict=False) if flag
        )._crm_mark_customer()
        partners._crm_after_save()
        return partners

    def write(self, vals):
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
            res = super(ResPartner, contacts).write(rest) if rest else True
            others = self - contacts
            return (others.write(vals) if others else True) and res
        res = super().write(vals)
        if vals.get("is_crm_customer"):
            self._crm_assign_customer_codes()
        self._crm_after_save()
        return res

    def _crm_after_save(self):
        if self.env.context.get("crm_skip_quality_check"):
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
        vals_list = super().copy_data(default=default)
        for vals in vals_list:
            vals.pop("customer_code", None)
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
        paths: superuser/sudo, module install, scheduled actions and the
        ``crm_skip_change_request`` context key. Override to widen or narrow.
        """
        context = self.env.context
        return bool(
            self.env.su
            or context.get("crm_skip_change_request")
            or context.get("install_mode")
            or context.get("ir_cron_progress_id")
            or self.env.user.has_group("sales_team.group_sale_manager")
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
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_change_request_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"search_default_filter_pending": 1}
        return action

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
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_ticket_action"
        )
        partner = self.commercial_partner_id
        action["domain"] = [("commercial_partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": self.id, "search_default_open": 0}
        return action

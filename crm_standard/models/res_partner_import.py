"""Legacy customer import: the addon's checks on every row of Odoo's import,
and match rules so that re-running a file updates instead of duplicating."""

import re
import unicodedata
import uuid

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize
from odoo.tools.sql import create_index

from odoo.addons.phone_validation.tools import phone_validation

from ..tools import system_flag
from .res_partner import GRADING_DEFERRED, is_valid_email_field, normalize_company_name


def normalize_phone_text(value):
    """Full-width digits, plus signs and blanks (U+3000) made ASCII, blanks squeezed."""
    text = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"\s+", " ", text).strip()


# the tax ID as the match rule compares it (normalize_vat in SQL), indexed
VAT_KEY_SQL = "upper(regexp_replace(vat, '[\\W_]', '', 'g'))"


def normalize_vat(value):
    return re.sub(r"[\W_]", "", value or "").upper() or False


class ResPartner(models.Model):
    _inherit = "res.partner"

    def init(self):
        res = super().init()
        # the tax ID match rule: an index lookup, not a regexp over every partner
        create_index(
            self.env.cr,
            "res_partner_crm_vat_key_index",
            self._table,
            [VAT_KEY_SQL],
            where="parent_id IS NULL AND vat IS NOT NULL",
        )
        return res

    @api.model
    def get_import_templates(self):
        return [
            {
                "label": self.env._("Import Template for Customers (crm_standard, 中英文表头)"),
                "template": "/crm_standard/static/xls/crm_standard_customers.xlsx",
            },
            {
                "label": self.env._("Import Template for Customers (CSV, UTF-8)"),
                "template": "/crm_standard/static/xls/crm_standard_customers.csv",
            },
        ]

    # ------------------------------------------------------------------
    # Match rules
    # ------------------------------------------------------------------
    @api.model
    def _crm_import_match_rules(self):
        """Ordered rules matching an imported row to an existing partner.

        Each rule: ``(key, label, column, normalize, db_field)``: the row's
        value of ``column`` normalised by ``normalize`` is looked up among
        the partners' stored ``db_field`` (one query per rule for the whole
        file). The first rule that matches wins. Extension point: override
        to add, drop or reorder rules.
        """
        return [
            ("customer_code", self.env._("same customer code"), "customer_code",
             lambda v, row: (v or "").strip() or False, "customer_code"),
            ("vat", self.env._("same tax ID"), "vat",
             lambda v, row: normalize_vat(v), None),
            ("email", self.env._("same e-mail"), "email",
             lambda v, row: self._crm_import_email_key(v), "email_normalized"),
            ("phone", self.env._("same phone (E.164)"), "phone",
             self._crm_import_phone_key, "crm_phone_sanitized"),
            ("mobile", self.env._("same mobile (E.164)"), "mobile",
             self._crm_import_phone_key, "crm_phone_sanitized"),
            ("name", self.env._("same company name"), "name",
             lambda v, row: normalize_company_name(v), "crm_name_normalized"),
        ]  # fmt: skip

    @api.model
    def _crm_import_email_key(self, value):
        return email_normalize(value or "") or False

    @api.model
    def _crm_import_phone_key(self, value, row=None):
        if not value:
            return False
        country = self.env.company.country_id
        try:
            return phone_validation.phone_format(
                normalize_phone_text(value),
                country.code if country else None,
                country.phone_code if country else None,
                force_format="E164",
            )
        except UserError:
            return False

    @api.model
    def _crm_import_lookup(self, rule_key, db_field, values):
        """{normalised value: partner id} of the commercial partners holding one
        of ``values``, in one query."""
        if not values:
            return {}
        values = list(values)
        if rule_key == "vat":
            self.flush_model(["vat", "parent_id"])
            self.env.cr.execute(
                SQL(
                    "SELECT %(key)s, min(id) FROM res_partner"
                    " WHERE parent_id IS NULL AND vat IS NOT NULL AND %(key)s = ANY(%(values)s)"
                    " GROUP BY 1",
                    key=SQL(VAT_KEY_SQL),
                    values=values,
                )
            )
            return dict(self.env.cr.fetchall())
        self.flush_model([db_field, "parent_id"])
        self.env.cr.execute(
            SQL(
                "SELECT %(col)s, min(id) FROM res_partner"
                " WHERE parent_id IS NULL AND %(col)s = ANY(%(values)s) GROUP BY 1",
                col=SQL.identifier(db_field),
                values=values,
            )
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------
    @api.model
    def _crm_import_row_errors(self, row, index, resolved):
        """Errors of one row: list of (column, rule, message)."""
        errors = []
        get = index.get

        def value(col):
            return row[index[col]].strip() if col in index and row[index[col]] else ""

        if "name" in index and not value("name") and ".id" not in index:
            errors.append(("name", self.env._("required"), self.env._("the name is missing")))
        email = value("email")
        if email and not is_valid_email_field(email):
            errors.append(
                (
                    "email",
                    self.env._("e-mail format"),
                    self.env._("'%(value)s' is not a valid e-mail address", value=email),
                )
            )
        country = self.env.company.country_id
        for col in ("phone", "mobile"):
            number = value(col)
            if not number:
                continue
            try:
                phone_validation.phone_parse(number, country.code if country else None)
            except UserError:
                errors.append(
                    (
                        col,
                        self.env._("phone format"),
                        self.env._(
                            "'%(value)s' is not a valid phone number (use e.g. +86 10 1234 5678)",
                            value=number,
                        ),
                    )
                )
        for col in ("industry_id", "user_id"):
            if get(col) is None:
                continue
            name = value(col)
            if name and not resolved[col].get(name):
                errors.append(
                    (
                        col,
                        self.env._("name resolved"),
                        self.env._("'%(value)s' matches no record", value=name),
                    )
                )
        return errors

    @api.model
    def _crm_import_resolve_names(self, index, data):
        """{column: {name: id}} of the industry and salesperson names of the
        file, one name_search per distinct name (not per row)."""
        resolved = {}
        for col, model in (("industry_id", "res.partner.industry"), ("user_id", "res.users")):
            resolved[col] = {}
            if col not in index:
                continue
            names = {row[index[col]].strip() for row in data if row[index[col]].strip()}
            for name in names:
                found = self.env[model].name_search(name, operator="=ilike", limit=1)
                if not found and model == "res.partner.industry":
                    found = self.env[model].search([("full_name", "=ilike", name)], limit=1)
                    found = [(found.id, name)] if found else []
                resolved[col][name] = found[0][0] if found else False
        return resolved

    # ------------------------------------------------------------------
    # load
    # ------------------------------------------------------------------
    @api.model
    def load(self, fields, data):
        # the checks are disabled for the system only (the bench's plain import)
        if not self.env.context.get("import_file") or system_flag(
            self.env, "crm_import_checks_disabled"
        ):
            return super().load(fields, data)
        return self._crm_import_load(fields, [list(row) for row in data])

    @api.model
    def _crm_import_load(self, fields, data):
        stats = self.env.context.get("crm_import_stats")
        if stats is None:
            stats = {}
        offset = self.env.context.get("crm_import_row_offset", 2)
        flat = ["/".join(f) if isinstance(f, list | tuple) else f for f in fields]
        index = {f: i for i, f in enumerate(flat)}
        labels = stats.get("labels") or {}
        for col in ("phone", "mobile"):
            if col in index:
                for row in data:
                    row[index[col]] = normalize_phone_text(row[index[col]])
        messages = []
        errors = {}  # row number in data -> [messages]

        def add_error(i, col, rule, text):
            message = self.env._(
                "Row %(row)s, column '%(column)s' (%(rule)s): %(message)s",
                row=i + offset,
                column=labels.get(col, col),
                rule=rule,
                message=text,
            )
            errors.setdefault(i, []).append(message)
            messages.append(
                {
                    "type": "error",
                    "message": message,
                    "field": col.split("/")[0],
                    "record": i,
                    "rows": {"from": i, "to": i},
                }
            )

        resolved = self._crm_import_resolve_names(index, data)
        for i, row in enumerate(data):
            for col, rule, text in self._crm_import_row_errors(row, index, resolved):
                add_error(i, col, rule, text)
        # a user-given id (external or database) decides the match
        explicit = "id" in index or ".id" in index
        matched = {}
        if not explicit:
            matched = self._crm_import_match(data, index, errors, add_error)
        good = [i for i in range(len(data)) if i not in errors]
        # the customer code is a match key only: the sequence gives codes
        keep = [k for k, f in enumerate(flat) if f != "customer_code"]
        load_fields = [fields[k] for k in keep]
        rows = [[data[i][k] for k in keep] for i in good]
        # names already resolved once per distinct name: load them by external
        # ID, which Odoo's load looks up once per value (a name_search or a
        # database ID costs a query per row and column)
        for position, k in enumerate(keep):
            names = resolved.get(flat[k])
            if names is not None and flat[k] in index:
                comodel = self._fields[flat[k]].comodel_name
                xmlids = self._crm_import_xmlids(comodel, {i for i in names.values() if i})
                load_fields[position] = f"{flat[k]}/id"
                for row in rows:
                    row[position] = xmlids.get(names.get(row[position].strip()), "")
        if matched:
            load_fields = load_fields + [".id"]
            rows = [row + [str(matched.get(i) or "")] for row, i in zip(rows, good, strict=True)]
        result, failed, loaded = self._crm_import_load_good(load_fields, rows, good, offset)
        for i in failed:
            errors.setdefault(i, [])
        messages.extend(result["messages"])
        ids = result["ids"] or []
        stats.update(
            rows=len(data),
            created=len([i for i in good if i not in failed and not matched.get(i)]),
            updated=len([i for i in good if i not in failed and matched.get(i)]),
            errors=len(errors),
            error_rows={i: errors[i] for i in errors},
            data=data,
            ids=ids,
            row_ids=dict(zip(loaded, ids, strict=False)) if len(loaded) == len(ids) else {},
        )
        result["ids"] = ids
        result["messages"] = messages
        return result

    @api.model
    def _crm_import_xmlids(self, model, ids):
        """{id: external ID} of the records ``ids`` of ``model``; those without
        one get an ``__export__`` one, as Odoo's export gives them."""
        if not ids:
            return {}
        self.env.cr.execute(
            "SELECT DISTINCT ON (res_id) res_id, module || '.' || name FROM ir_model_data"
            " WHERE model = %s AND res_id = ANY(%s) ORDER BY res_id, id",
            [model, list(ids)],
        )
        xmlids = dict(self.env.cr.fetchall())
        missing = sorted(set(ids) - set(xmlids))
        if missing:
            table = self.env[model]._table
            names = {rid: f"{table}_{rid}_{uuid.uuid4().hex[:8]}" for rid in missing}
            self.env["ir.model.data"].sudo().create(
                [
                    {"module": "__export__", "name": name, "model": model, "res_id": rid}
                    for rid, name in names.items()
                ]
            )
            xmlids.update((rid, f"__export__.{name}") for rid, name in names.items())
        return xmlids

    @api.model
    def _crm_import_load_good(self, fields, rows, positions, offset):
        """Load the rows that passed the checks; a row the ORM still refuses
        (a constraint) is reported and dropped, and the others loaded again:
        Odoo's load is all-or-nothing."""
        failed = set()
        result = {"ids": [], "messages": [], "nextrow": 0}
        for _attempt in range(3):
            keep = [k for k in range(len(rows)) if positions[k] not in failed]
            if not keep:
                return result, failed, []
            res = self._crm_import_load_deferred(fields, [rows[k] for k in keep])
            bad = {
                keep[m["rows"]["from"]]
                for m in res["messages"]
                if m["type"] == "error" and isinstance(m.get("rows"), dict) and "from" in m["rows"]
            }
            if res["ids"] is not False or not bad:
                for m in res["messages"]:
                    if isinstance(m.get("rows"), dict) and "from" in m["rows"]:
                        k = keep[m["rows"]["from"]]
                        m["rows"] = {"from": positions[k], "to": positions[k]}
                        m["record"] = positions[k]
                        m["message"] = self.env._(
                            "Row %(row)s: %(message)s",
                            row=positions[k] + offset,
                            message=m["message"],
                        )
                        failed.add(positions[k])
                result = res
                result["ids"] = res["ids"] or []
                return result, failed, [positions[k] for k in keep]
            # drop the refused rows, keep their messages, try the rest again
            for m in res["messages"]:
                if isinstance(m.get("rows"), dict) and "from" in m["rows"]:
                    k = keep[m["rows"]["from"]]
                    if m["type"] == "error":
                        result["messages"].append(
                            dict(
                                m,
                                rows={"from": positions[k], "to": positions[k]},
                                record=positions[k],
                                message=self.env._(
                                    "Row %(row)s: %(message)s",
                                    row=positions[k] + offset,
                                    message=m["message"],
                                ),
                            )
                        )
            failed |= {positions[k] for k in bad}
        return result, failed, []

    @api.model
    def _crm_import_load_deferred(self, fields, rows):
        """Odoo's load, the matched rows' regrading deferred: Odoo writes them
        one by one, each would regrade its customer (a lock and a revenue
        query); they are regraded once, together, at the end."""
        cache = self.env.cr.cache
        outer = GRADING_DEFERRED in cache
        deferred = cache.setdefault(GRADING_DEFERRED, set())
        try:
            res = super().load(fields, rows)
        finally:
            if not outer:
                cache.pop(GRADING_DEFERRED, None)
        if deferred and not outer:
            self.browse(deferred).exists().sudo()._crm_recompute_grades()
        return res

    @api.model
    def _crm_import_match(self, data, index, errors, add_error):
        """{row: partner id} by the match rules; a row whose key another row
        of the file already has is an error (a duplicate inside the file)."""
        rules = [r for r in self._crm_import_match_rules() if r[2] in index]
        keys = {}  # rule -> {row: normalised value}, rows in file order
        for key, _label, col, normalize, _db in rules:
            column = index[col]
            keys[key] = {
                i: value
                for i, row in enumerate(data)
                if i not in errors and (value := normalize(row[column], row))
            }
        matched = {}
        first_row = {}  # (rule, value) -> first row holding it
        offset = self.env.context.get("crm_import_row_offset", 2)
        for key, label, col, _normalize, db_field in rules:
            found = self._crm_import_lookup(key, db_field, set(keys[key].values()))
            for i, value in keys[key].items():
                if i in errors:
                    continue
                other = first_row.setdefault((key, value), i)
                if other != i:
                    add_error(
                        i,
                        col,
                        self.env._("duplicate in the file"),
                        self.env._("%(rule)s as row %(other)s", rule=label, other=other + offset),
                    )
                    continue
                if i not in matched and found.get(value):
                    matched[i] = found[value]
        return {i: pid for i, pid in matched.items() if i not in errors}

"""Legacy contacts import: the people of a customer company. A contact row
(one with a Related Company) is matched only among the contacts of its
company, never against companies; a company row never matches a contact."""

import re
import unicodedata

from odoo import api, models
from odoo.tools import SQL

from .res_partner import normalize_company_name

# the columns that make a row a contact row: the company by name or code (the
# template), by database ID or by external ID (Odoo's own export)
PARENT_COLUMNS = ("parent_id", "parent_id/.id", "parent_id/id")


def normalize_contact_name(value):
    """A person's name as the match compares it: NFKC, blanks squeezed, lower case."""
    text = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"\s+", " ", text).strip().lower() or False


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def get_import_templates(self):
        return super().get_import_templates() + [
            {
                "label": self.env._("Import Template for Contacts (crm_standard, 中英文表头)"),
                "template": "/crm_standard/static/xls/crm_standard_contacts.csv",
            },
        ]

    @api.model
    def _crm_import_contact_match_rules(self):
        """Ordered rules matching a contact row to a contact of its company.

        Each rule: ``(key, label, columns, normalize(value, row))``; the same
        ``normalize`` is applied to the row's values of ``columns`` and to the
        existing contacts' values (``row`` is None for those). The first rule
        with a contact whose earlier keys do not differ from the row's wins.
        Extension point: override to add, drop or reorder rules.
        """
        return [
            ("email", self.env._("same e-mail"), ("email",),
             lambda v, row: self._crm_import_email_key(v)),
            ("phone", self.env._("same phone (E.164)"), ("phone", "mobile"),
             self._crm_import_phone_key),
            ("name", self.env._("same name"), ("name",),
             lambda v, row: normalize_contact_name(v)),
        ]  # fmt: skip

    @api.model
    def _crm_import_resolve_companies(self, names):
        """({name or code: company id}, {ambiguous names}) of the Related
        Company column: the customer code first, then the normalised company
        name; among the companies the importing user may read, one query each."""
        names = set(names)
        Partner = self.env["res.partner"]
        found = {}
        for partner in Partner.search_fetch(
            [("parent_id", "=", False), ("customer_code", "in", list(names))], ["customer_code"]
        ):
            found[partner.customer_code] = partner.id
        keys = {name: normalize_company_name(name) for name in names - set(found)}
        by_key = {}
        for partner in Partner.search_fetch(
            [
                ("parent_id", "=", False),
                ("crm_name_normalized", "in", [k for k in keys.values() if k]),
            ],
            ["crm_name_normalized"],
            order="id",
        ):
            by_key.setdefault(partner.crm_name_normalized, []).append(partner.id)
        ambiguous = set()
        for name, key in keys.items():
            ids = by_key.get(key) or []
            found[name] = ids[0] if len(ids) == 1 else False
            if len(ids) > 1:
                ambiguous.add(name)
        return found, ambiguous

    @api.model
    def _crm_import_resolve_names(self, index, data):
        resolved = super()._crm_import_resolve_names(index, data)
        if "parent_id" in index:
            column = index["parent_id"]
            names = {row[column].strip() for row in data if row[column].strip()}
            resolved["parent_id"], resolved["parent_id_ambiguous"] = (
                self._crm_import_resolve_companies(names)
            )
        return resolved

    @api.model
    def _crm_import_row_errors(self, row, index, resolved):
        errors = super()._crm_import_row_errors(row, index, resolved)
        name = row[index["parent_id"]].strip() if "parent_id" in index else ""
        if name and not resolved["parent_id"].get(name):
            if name in resolved["parent_id_ambiguous"]:
                message = self.env._(
                    "'%(value)s' matches several companies: give the customer code", value=name
                )
            else:
                message = self.env._(
                    "'%(value)s' matches no customer code or company name", value=name
                )
            errors.append(("parent_id", self.env._("company resolved"), message))
        return errors

    @api.model
    def _crm_import_parents(self, column, values):
        """{value of the parent column: partner id} of the file's values."""
        if column == "parent_id":
            return self._crm_import_resolve_companies(values)[0]
        if column == "parent_id/.id":
            return {v: int(v) for v in values if v.isdigit()}
        IrModelData = self.env["ir.model.data"]
        return {
            v: IrModelData._xmlid_to_res_id(v if "." in v else f"__import__.{v}") for v in values
        }

    @api.model
    def _crm_import_match(self, data, index, errors, add_error):
        column = next((c for c in PARENT_COLUMNS if c in index), None)
        if not column:
            return super()._crm_import_match(data, index, errors, add_error)
        contact_rows = {i for i, row in enumerate(data) if row[index[column]].strip()}
        # the company rules see the company rows only (a copy: not errors)
        matched = super()._crm_import_match(
            data, index, {**errors, **dict.fromkeys(contact_rows, [])}, add_error
        )
        matched.update(
            self._crm_import_match_contacts(
                data, index, errors, add_error, contact_rows, parent_column=column
            )
        )
        return {i: pid for i, pid in matched.items() if i not in errors}

    @api.model
    def _crm_import_match_contacts(
        self, data, index, errors, add_error, contact_rows, *, parent_column="parent_id"
    ):
        """{row: contact id} of the contact rows, each matched among the
        contacts of its company; one query for the whole file. Two rows of
        a company with the same first key are a duplicate inside the file."""
        column = index[parent_column]
        parents = self._crm_import_parents(
            parent_column, {data[i][column].strip() for i in contact_rows if i not in errors}
        )
        # a parent Odoo's load will not find is its error, not a match
        rows = [
            i
            for i in sorted(contact_rows)
            if i not in errors and parents.get(data[i][column].strip())
        ]
        if not rows:
            return {}
        rules = self._crm_import_contact_match_rules()
        fields_ = sorted({col for rule in rules for col in rule[2]})
        self.flush_model(fields_ + ["parent_id", "type"])
        self.env.cr.execute(
            SQL(
                "SELECT id, parent_id, %(cols)s FROM res_partner"
                " WHERE parent_id = ANY(%(parents)s) AND type = 'contact' ORDER BY id",
                cols=SQL(", ").join(SQL.identifier(f) for f in fields_),
                parents=list(set(parents.values())),
            )
        )

        def keys_of(values, row):
            return {
                key: {k for col in cols if (k := normalize(values.get(col) or "", row))}
                for key, _label, cols, normalize in rules
            }

        contacts = {}  # parent -> [(id, keys)]
        for rec in self.env.cr.dictfetchall():
            contacts.setdefault(rec["parent_id"], []).append((rec["id"], keys_of(rec, None)))
        matched = {}
        first_row = {}
        offset = self.env.context.get("crm_import_row_offset", 2)
        for i in rows:
            row = data[i]
            parent = parents[row[column].strip()]
            values = {col: row[index[col]] for col in fields_ if col in index}
            keys = keys_of(values, row)
            # the row's identity in the file: the keys of its first rule
            first = next(((key, label) for key, label, _c, _n in rules if keys[key]), None)
            if first:
                duplicate = next(
                    (
                        first_row[(parent, first[0], k)]
                        for k in sorted(keys[first[0]])
                        if (parent, first[0], k) in first_row
                    ),
                    None,
                )
                if duplicate is not None:
                    add_error(
                        i,
                        parent_column,
                        self.env._("duplicate in the file"),
                        self.env._(
                            "%(rule)s in the same company as row %(other)s",
                            rule=first[1],
                            other=duplicate + offset,
                        ),
                    )
                    continue
                for k in keys[first[0]]:
                    first_row[(parent, first[0], k)] = i
            done = []
            for key, _label, _cols, _normalize in rules:
                if keys[key]:
                    found = next(
                        (
                            cid
                            for cid, ckeys in contacts.get(parent, [])
                            if ckeys[key] & keys[key]
                            # another e-mail (an earlier key) is another person
                            and all(not (ckeys[d] and keys[d]) or ckeys[d] & keys[d] for d in done)
                        ),
                        None,
                    )
                    if found:
                        matched[i] = found
                        break
                    done.append(key)
        return matched

"""A legacy reference (原系统编号) on migrated records: the match key of
their import, so that importing the same file again updates instead of
duplicating (Odoo's import alone matches by external ID only)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmStandardLegacyRefMixin(models.AbstractModel):
    _name = "crm.standard.legacy.ref.mixin"
    _description = "Legacy Reference of Migrated Records"

    crm_legacy_ref = fields.Char(
        "Legacy Reference",
        copy=False,
        index="btree_not_null",
        help="The record's number in the system it was migrated from (原系统编号). "
        "Importing a row with the reference of an existing record updates that record.",
    )

    @api.constrains("crm_legacy_ref", "company_id")
    def _check_crm_legacy_ref_unique(self):
        """One query for all the records checked (an import's batch). Not an
        SQL constraint: an opportunity's company is computed after its
        creation, the violation would surface at a later flush, outside the
        import's row errors; records without company are checked as well."""
        refs = list(set(self.filtered("crm_legacy_ref").mapped("crm_legacy_ref")))
        if not refs:
            return
        # sudo: a duplicate the user cannot see is a duplicate all the same
        groups = (
            self.sudo()
            .with_context(active_test=False)
            ._read_group(
                [("crm_legacy_ref", "in", refs)],
                ["crm_legacy_ref", "company_id"],
                having=[("__count", ">", 1)],
            )
        )
        if groups:
            raise ValidationError(
                self.env._(
                    "Legacy Reference: '%(reference)s' is already used by another record "
                    "of %(model)s; a legacy reference is unique per company.",
                    reference=groups[0][0],
                    model=self._description,
                )
            )

    @api.model
    def load(self, fields, data):
        """The references already loaded by this import are kept (cursor cache,
        out of a client's reach) while it runs: a later row of the file with
        one of them is an error, not an update of the earlier row."""
        if not self.env.context.get("import_file"):
            return super().load(fields, data)
        cache = self.env.cr.cache
        key = ("crm_standard.legacy_refs_loaded", self._name)
        outer = key in cache
        cache.setdefault(key, set())
        try:
            return super().load(fields, data)
        finally:
            if not outer:
                cache.pop(key, None)

    @api.model
    def _load_records(self, data_list, update=False, ignore_duplicates=False):
        loaded = self.env.cr.cache.get(("crm_standard.legacy_refs_loaded", self._name))
        if not self.env.context.get("import_file") or loaded is None:
            return super()._load_records(data_list, update, ignore_duplicates)
        refs = [data["values"].get("crm_legacy_ref") for data in data_list]
        for ref in filter(None, refs):
            if ref in loaded or refs.count(ref) > 1:
                # Odoo's load then retries row by row: the first row goes in
                raise ValidationError(
                    self.env._(
                        "Legacy Reference: '%(reference)s' appears on an earlier row of the "
                        "file; a legacy reference is unique per company.",
                        reference=ref,
                    )
                )
        self._crm_match_legacy_refs(data_list)
        records = super()._load_records(data_list, update, ignore_duplicates)
        loaded.update(filter(None, refs))
        return records

    @api.model
    def _crm_match_legacy_refs(self, data_list):
        """Rows of the import without an external or database ID whose legacy
        reference an existing record of their company has become updates of
        that record (one search for the whole batch; archived records too,
        e.g. lost leads)."""
        refs = {
            data["values"]["crm_legacy_ref"]
            for data in data_list
            if not data.get("xml_id")
            and not data["values"].get("id")
            and data["values"].get("crm_legacy_ref")
        }
        if not refs:
            return
        # unique per company: the row's company (its column, else the company the
        # user imports into), or a record without company; never another company's
        existing = {}
        for record in self.with_context(active_test=False).search_fetch(
            [("crm_legacy_ref", "in", list(refs))], ["crm_legacy_ref", "company_id"], order="id"
        ):
            existing.setdefault((record.crm_legacy_ref, record.company_id.id), record.id)
        for data in data_list:
            values = data["values"]
            if not data.get("xml_id") and not values.get("id"):
                ref = values.get("crm_legacy_ref")
                company_id = values.get("company_id") or self.env.company.id
                record_id = existing.get((ref, company_id)) or existing.get((ref, False))
                if record_id:
                    values["id"] = record_id

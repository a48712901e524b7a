from odoo import api, models


class BaseImportImport(models.TransientModel):
    _inherit = "base_import.import"

    @api.model
    def get_fields_tree(self, model, depth=None):
        kwargs = {} if depth is None else {"depth": depth}
        tree = super().get_fields_tree(model, **kwargs)
        if model == "res.partner" and not any(f["name"] == "customer_code" for f in tree):
            # read-only (the sequence gives it), but a match key of the import:
            # a row with the code of an existing customer updates it
            tree.append(
                {
                    "id": "customer_code",
                    "name": "customer_code",
                    "string": self.env["res.partner"]
                    ._fields["customer_code"]
                    .get_description(self.env)["string"],
                    "required": False,
                    "fields": [],
                    "type": "char",
                    "model_name": model,
                }
            )
        return tree

    def _read_csv(self, options):
        # Chinese users' CSV files are often GBK/GB18030 (Excel's "CSV" on a
        # Chinese Windows); chardet guesses short ones badly: UTF-8 first,
        # then GB18030 (a superset of GBK and GB2312), then chardet.
        if not options.get("encoding") and self.file:
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    self.file.decode(encoding)
                except UnicodeDecodeError:
                    continue
                options["encoding"] = encoding
                break
        elif (options.get("encoding") or "").lower() in ("gbk", "gb2312"):
            options["encoding"] = "gb18030"
        return super()._read_csv(options)

    def execute_import(self, fields, columns, options, dryrun=False):
        if self.res_model != "res.partner":
            return super().execute_import(fields, columns, options, dryrun=dryrun)
        stats = {
            "labels": {
                field: column
                for field, column in zip(fields, columns, strict=False)
                if field and column
            }
        }
        offset = options.get("skip", 0) + (1 if options.get("has_headers") else 0) + 1
        importer = self.with_context(crm_import_stats=stats, crm_import_row_offset=offset)
        result = super(BaseImportImport, importer).execute_import(
            fields, columns, options, dryrun=dryrun
        )
        if not dryrun and "rows" in stats:
            batch = self.env["crm.standard.migration.batch"]._crm_create_from_import(
                self,
                stats,
                [f for f in fields if f],
                [c for f, c in zip(fields, columns, strict=False) if f],
            )
            result["crm_migration_batch_id"] = batch.id
        return result

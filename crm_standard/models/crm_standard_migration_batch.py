import base64
import csv
import io

from odoo import api, fields, models


class CrmStandardMigrationBatch(models.Model):
    _name = "crm.standard.migration.batch"
    _description = "Customer Migration Batch"
    _order = "id desc"

    name = fields.Char(required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one("res.users", string="Imported By", default=lambda self: self.env.user)
    date = fields.Datetime(default=fields.Datetime.now, required=True)
    file = fields.Binary(attachment=True)
    file_name = fields.Char()
    row_count = fields.Integer("Rows")
    created_count = fields.Integer("Created")
    updated_count = fields.Integer("Updated")
    skipped_count = fields.Integer("Skipped")
    error_count = fields.Integer("In Error")
    error_file = fields.Binary(
        attachment=True, help="The rows in error with an error column: fix them and import again."
    )
    error_file_name = fields.Char()
    partner_ids = fields.Many2many(
        "res.partner",
        "crm_standard_migration_batch_partner_rel",
        "batch_id",
        "partner_id",
        string="Customers",
    )
    line_ids = fields.One2many(
        "crm.standard.migration.batch.line", "batch_id", string="Completeness per Field"
    )
    completeness = fields.Float(
        digits=(5, 2), help="Filled required values of the batch's customers, in percent."
    )
    completeness_min = fields.Float(
        "Required Completeness",
        digits=(5, 2),
        help="The company's gate when the batch was imported, in percent.",
    )
    source_rows = fields.Json(
        help="The source row of each imported customer, {partner id: {column: value}}: "
        "the sample check shows it beside the imported values."
    )
    sample_ids = fields.One2many(
        "crm.standard.migration.sample", "batch_id", string="Sample Checks"
    )
    sample_state = fields.Selection(
        [("signed_off", "Signed Off"), ("failed", "Failed")],
        compute="_compute_sample_state",
        store=True,
        string="Sample Check",
    )
    state = fields.Selection(
        [("accepted", "Accepted"), ("incomplete", "Incomplete")],
        help="Accepted when the completeness reaches the company's gate.",
    )

    @api.model
    def _crm_create_from_import(self, importer, stats, fields_, columns):
        """The batch of one (real) import of customers: counts, error file,
        completeness. Created as superuser: the importing user may lack the
        right on batches, not on the customers they import."""
        error_rows = stats.get("error_rows") or {}
        data = stats.get("data") or []
        vals = {
            "name": importer.file_name or self.env._("Import"),
            "file": base64.b64encode(importer.file) if importer.file else False,
            "file_name": importer.file_name,
            "user_id": self.env.uid,
            "company_id": self.env.company.id,
            "row_count": stats.get("rows", 0),
            "created_count": stats.get("created", 0),
            "updated_count": stats.get("updated", 0),
            "error_count": stats.get("errors", 0),
            "skipped_count": max(
                stats.get("rows", 0)
                - stats.get("created", 0)
                - stats.get("updated", 0)
                - stats.get("errors", 0),
                0,
            ),
            "partner_ids": [fields.Command.set(stats.get("ids") or [])],
            "source_rows": {
                str(pid): dict(zip(columns, data[i], strict=False))
                for i, pid in (stats.get("row_ids") or {}).items()
            },
        }
        if error_rows:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(list(columns) + [self.env._("Error")])
            for i in sorted(error_rows):
                writer.writerow(list(data[i]) + ["; ".join(error_rows[i])])
            vals["error_file"] = base64.b64encode(buffer.getvalue().encode("utf-8-sig"))
            vals["error_file_name"] = "%s.errors.csv" % (importer.file_name or "import")
        batch = self.sudo().create(vals)
        batch._crm_compute_completeness()
        return batch

    @api.depends("sample_ids.state")
    def _compute_sample_state(self):
        for batch in self:
            done = batch.sample_ids.filtered(lambda s: s.state != "draft")[:1]
            batch.sample_state = done.state if done else False

    def action_sample_check(self):
        """The sample check of the batch: the last one, else a new draw."""
        self.ensure_one()
        Sample = self.env["crm.standard.migration.sample"]
        sample = Sample.search([("batch_id", "=", self.id)], limit=1) or Sample.create(
            {"batch_id": self.id}
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.standard.migration.sample",
            "res_id": sample.id,
            "view_mode": "form",
        }

    def action_view_cleaned_list(self):
        """《清洗后数据清单》: the batch's customers as imported, to print or export."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cleaned Data List: %(batch)s", batch=self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("crm_standard.res_partner_view_list_migration_cleaned").id, "list"),
                (False, "form"),
            ],
            "domain": [("id", "in", self.partner_ids.ids)],
        }

    @api.model
    def _crm_completeness_items(self, company):
        """(key, label, domain of the filled partners) per required item of
        ``company``: its required customer fields, and a phone or e-mail."""
        items = [
            (field.name, field.field_description, [(field.name, "!=", False)])
            for field in company.crm_required_field_ids
            if field.name in self.env["res.partner"]._fields
        ]
        if company.crm_require_contact_channel:
            items.append(
                (
                    "contact_channel",
                    self.env._("Phone or E-mail"),
                    [
                        "|",
                        "|",
                        ("email", "!=", False),
                        ("phone", "!=", False),
                        ("mobile", "!=", False),
                    ],
                )
            )
        return items

    @api.model
    def _crm_completeness_scope(self, key):
        """The partners an item is required of: a customer's required fields
        of the companies (rows without a parent), the phone or e-mail of
        everyone: a contacts file is not incomplete for lacking an industry."""
        return [] if key == "contact_channel" else [("parent_id", "=", False)]

    def _crm_compute_completeness(self):
        """Per required item, the share of the batch's partners it is required
        of that have it (one count per item, not per customer), overall, and
        the gate."""
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        for batch in self:
            batch_domain = [("id", "in", batch.partner_ids.ids)]
            lines = [fields.Command.clear()]
            filled_sum = cells = 0
            totals = {}  # partners per scope: the customer fields share one count
            for key, label, domain in self._crm_completeness_items(batch.company_id):
                scope = batch_domain + self._crm_completeness_scope(key)
                if str(scope) not in totals:
                    totals[str(scope)] = Partner.search_count(scope) if batch.partner_ids else 0
                total = totals[str(scope)]
                filled = Partner.search_count(scope + domain) if total else 0
                filled_sum += filled
                cells += total
                lines.append(
                    fields.Command.create(
                        {"key": key, "name": label, "filled_count": filled, "total_count": total}
                    )
                )
            completeness = 100.0 * filled_sum / cells if cells else 100.0
            minimum = batch.company_id.crm_migration_completeness_min
            batch.write(
                {
                    "line_ids": lines,
                    "completeness": completeness,
                    "completeness_min": minimum,
                    "state": "accepted" if completeness >= minimum else "incomplete",
                }
            )

    def action_view_incomplete(self):
        """The batch's customers lacking a required item: the list to fix."""
        self.ensure_one()
        ids = set()
        Partner = self.env["res.partner"].with_context(active_test=False)
        for key, _label, domain in self._crm_completeness_items(self.company_id):
            ids |= set(
                Partner.search(
                    [("id", "in", self.partner_ids.ids)]
                    + self._crm_completeness_scope(key)
                    + ["!"]
                    + self._crm_domain_group(domain)
                ).ids
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customers to Complete"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", sorted(ids))],
        }

    @api.model
    def _crm_domain_group(self, domain):
        """A domain usable after a '!': leaves ANDed explicitly as one term."""
        from odoo.osv import expression

        return expression.normalize_domain(domain)

    def action_recompute_completeness(self):
        self._crm_compute_completeness()
        return True

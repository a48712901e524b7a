"""《清洗后数据清单》: the printable cleaned data list of a migration batch."""

from odoo import api, models


class ReportCrmMigrationCleanedList(models.AbstractModel):
    _name = "report.crm_standard.report_crm_migration_cleaned_list"
    _description = "Cleaned Data List of a Migration Batch"

    @api.model
    def _get_report_values(self, docids, data=None):
        """The batches, and per batch the sample check shown (the last one
        signed off or failed, else the last drawn) with its line per customer."""
        batches = self.env["crm.standard.migration.batch"].browse(docids)
        samples, sample_lines = {}, {}
        for batch in batches:
            sample = (
                batch.sample_ids.filtered(lambda s: s.state != "draft")[:1] or batch.sample_ids[:1]
            )
            samples[batch.id] = sample
            sample_lines[batch.id] = {line.partner_id.id: line for line in sample.line_ids}
        return {
            "doc_ids": batches.ids,
            "doc_model": "crm.standard.migration.batch",
            "docs": batches,
            "samples": samples,
            "sample_lines": sample_lines,
        }

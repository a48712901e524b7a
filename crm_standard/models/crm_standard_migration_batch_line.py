from odoo import api, fields, models


class CrmStandardMigrationBatchLine(models.Model):
    _name = "crm.standard.migration.batch.line"
    _description = "Completeness of a Migration Batch per Field"
    _order = "batch_id, id"

    batch_id = fields.Many2one(
        "crm.standard.migration.batch", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="batch_id.company_id", store=True)
    key = fields.Char(required=True)
    name = fields.Char("Field", required=True)
    filled_count = fields.Integer("Filled")
    total_count = fields.Integer("Customers")
    missing_count = fields.Integer("Missing", compute="_compute_rate")
    rate = fields.Float("Completeness (%)", digits=(5, 2), compute="_compute_rate")

    @api.depends("filled_count", "total_count")
    def _compute_rate(self):
        for line in self:
            line.missing_count = line.total_count - line.filled_count
            line.rate = 100.0 * line.filled_count / line.total_count if line.total_count else 100.0

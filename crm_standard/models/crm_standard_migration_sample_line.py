from odoo import fields, models


class CrmStandardMigrationSampleLine(models.Model):
    _name = "crm.standard.migration.sample.line"
    _description = "Customer Checked in a Migration Sample"
    _order = "sample_id, id"

    sample_id = fields.Many2one(
        "crm.standard.migration.sample", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="sample_id.company_id", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", ondelete="cascade")
    source_values = fields.Text("Source Row", readonly=True)
    imported_values = fields.Text(readonly=True)
    result = fields.Selection([("pass", "Pass"), ("fail", "Fail")])
    note = fields.Char()

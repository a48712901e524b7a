from odoo import models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.standard.legacy.ref.mixin"]

    def get_import_templates(self):
        return super().get_import_templates() + [
            {
                "label": self.env._("Import Template for Opportunities (crm_standard, 中英文表头)"),
                "template": "/crm_standard/static/xls/crm_standard_opportunities.csv",
            }
        ]

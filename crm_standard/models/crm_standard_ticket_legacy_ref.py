from odoo import models


class CrmStandardTicket(models.Model):
    _name = "crm.standard.ticket"
    _inherit = ["crm.standard.ticket", "crm.standard.legacy.ref.mixin"]

    def get_import_templates(self):
        return [
            {
                "label": self.env._("Import Template for Tickets (crm_standard, 中英文表头)"),
                "template": "/crm_standard/static/xls/crm_standard_tickets.csv",
            }
        ]

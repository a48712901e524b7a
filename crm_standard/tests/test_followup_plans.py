from odoo.tests import tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestFollowupPlans(CrmStandardCommon):
    def test_templates_shipped(self):
        templates = self.env["crm.standard.followup.template"].search([])
        self.assertEqual(set(templates.mapped("grade")), {"S", "A", "B", "C"})

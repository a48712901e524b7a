from odoo.tests import tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestKpiRecords(CrmStandardCommon):
    def test_shipped_kpis_are_active_on_install(self):
        kpis = (
            self.env.ref("crm_standard.crm_standard_kpi_completeness")
            | self.env.ref("crm_standard.crm_standard_kpi_conversion")
            | self.env.ref("crm_standard.crm_standard_kpi_ticket_response")
        )
        self.assertEqual(kpis.mapped("active"), [True, True, True])
        self.assertEqual(
            kpis.mapped("measure"), ["completeness_avg", "lead_conversion", "ticket_first_response"]
        )

from .common import CrmStandardCommon


class TestCustomerHealth(CrmStandardCommon):
    def test_smoke(self):
        self.env["res.partner"]._cron_crm_health()

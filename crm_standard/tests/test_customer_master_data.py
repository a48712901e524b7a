from .common import CrmStandardCommon


class TestCustomerCode(CrmStandardCommon):
    def test_first_opportunity_gives_code(self):
        partner = self._create_customer()
        self.assertFalse(partner.customer_code)
        self._create_opportunity(partner)
        self.assertTrue(partner.customer_code.startswith("CUS"))

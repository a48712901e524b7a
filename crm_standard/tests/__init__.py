from . import (
    test_access_matrix,
    test_change_request,
    test_customer_master_data,
    test_i18n,
    test_partner_pool,
    test_partner_visibility,
)

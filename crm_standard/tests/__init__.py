from . import test_customer_master_data, test_i18n

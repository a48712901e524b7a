from . import test_customer_master_data

from . import test_customer_master_data
from . import test_customer_grading
from . import test_followup_plans

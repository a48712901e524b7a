from . import test_customer_master_data
from . import test_i18n
from . import test_change_request
from . import test_access_matrix
from . import test_customer_grading
from . import test_followup_plans
from . import test_tickets

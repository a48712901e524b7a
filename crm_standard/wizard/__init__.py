from . import base_partner_merge_automatic_wizard
from . import crm_standard_customer_transfer
from . import crm_standard_followup_plan_decision
from . import crm_standard_reject_wizard
from . import base_partner_merge_automatic_wizard_any_size
from . import base_import_import

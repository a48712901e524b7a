from . import crm_standard_interest
from . import res_company
from . import res_config_settings
from . import res_partner
from . import crm_lead

from . import (
    crm_lead,
    crm_standard_change_request,
    crm_standard_interest,
    res_company,
    res_config_settings,
    res_partner,
)

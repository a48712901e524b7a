from . import crm_standard_lead_report_mixin
from . import crm_standard_funnel_report
from . import crm_standard_conversion_report
from . import crm_standard_repurchase_report
from . import crm_standard_migration_cleaned_report

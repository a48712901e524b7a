from . import crm_standard_service_proposal
from . import project_project

from . import base_partner_merge_automatic_wizard
from . import base_partner_merge_automatic_wizard_any_size
from . import base_import_import

from . import controllers, models, report, wizard
from .hooks import post_init_hook, uninstall_hook

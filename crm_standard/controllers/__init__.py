from . import main, service_proposal  # noqa: F401

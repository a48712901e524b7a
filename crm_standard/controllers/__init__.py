from . import feedback, main, service_proposal  # noqa: F401

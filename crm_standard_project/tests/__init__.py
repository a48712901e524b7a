from . import test_service_project

from .sql import CONCURRENCY_ERRORS, array_literal, create_report_view, lock_nowait, unnest_sql

__all__ = ["CONCURRENCY_ERRORS", "array_literal", "create_report_view", "lock_nowait", "unnest_sql"]

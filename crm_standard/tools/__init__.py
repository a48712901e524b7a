from .protected import AFTER_CREATE, check_protected_fields, is_system_env, system_flag
from .sql import (
    CONCURRENCY_ERRORS,
    array_literal,
    column_values,
    create_report_view,
    insert_rows,
    lock_nowait,
    unnest_sql,
    update_by_id,
)

__all__ = [
    "AFTER_CREATE",
    "CONCURRENCY_ERRORS",
    "array_literal",
    "check_protected_fields",
    "column_values",
    "create_report_view",
    "insert_rows",
    "is_system_env",
    "lock_nowait",
    "system_flag",
    "unnest_sql",
    "update_by_id",
]

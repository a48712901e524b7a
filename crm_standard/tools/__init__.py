from .sql import CONCURRENCY_ERRORS, array_literal, lock_nowait, unnest_sql, update_by_id

__all__ = ["CONCURRENCY_ERRORS", "array_literal", "lock_nowait", "unnest_sql", "update_by_id"]

from .sql import CONCURRENCY_ERRORS, array_literal, insert_rows, lock_nowait, unnest_sql

__all__ = [
    "CONCURRENCY_ERRORS",
    "array_literal",
    "insert_rows",
    "lock_nowait",
    "unnest_sql",
]

from .sql import CONCURRENCY_ERRORS, array_literal, unnest_sql

__all__ = ["CONCURRENCY_ERRORS", "array_literal", "unnest_sql"]

from .sql import CONCURRENCY_ERRORS, array_literal, unnest_sql

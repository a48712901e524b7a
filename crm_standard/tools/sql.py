"""SQL helpers of the set-based batch paths (grading, reminders, crons)."""

from psycopg2 import errors as pg_errors

from odoo.tools import SQL, drop_view_if_exists

# another worker holds or just changed the rows: leave them to it
CONCURRENCY_ERRORS = (pg_errors.SerializationFailure, pg_errors.LockNotAvailable)


def lock_nowait(cr, query):
    """Run ``query`` (a ``SELECT ... FOR ... NOWAIT``) in a savepoint: its rows,
    or ``None`` when another transaction holds the rows or changed them since
    this one began (the caller tells the user, who never overwrites it)."""
    try:
        with cr.savepoint(flush=False):
            cr.execute(query)
            return cr.fetchall()
    except CONCURRENCY_ERRORS:
        return None


def array_literal(sqltype, values):
    """Array parameter of ``values``: numbers as a ``{1,2,NULL}`` literal
    (psycopg2 adapts a list element by element in Python, slow on thousands)."""
    if sqltype in ("int", "numeric"):
        return "{%s}" % ",".join("NULL" if v is None else repr(v) for v in values)
    return list(values)


def unnest_sql(columns):
    """``unnest(%s::type[], ...)`` of ``columns`` (``[(sql type, values)]``):
    one array parameter per column, whatever the number of rows (a VALUES
    list has one parameter per cell, slow to build and to parse)."""
    return SQL(
        "unnest(%s)",
        SQL(", ").join(
            SQL("%s::%s[]", array_literal(sqltype, values), SQL(sqltype))
            for sqltype, values in columns
        ),
    )


def create_report_view(cr, table, query):
    """(Re)create the SQL view ``table`` of a report model (``_auto = False``)."""
    drop_view_if_exists(cr, table)
    cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(table), query))

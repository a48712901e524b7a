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


def column_values(records, fname):
    """Values of the field ``fname`` for ``records``, in their order, as the
    cache holds them (a many2one: the id or ``None``), with at most one fetch:
    no record, recordset nor conversion per value when a batch path reads a
    column of thousands of records (``mapped`` gives a many2one as one
    recordset, ``record[fname]`` costs a recordset each)."""
    field = records._fields[fname]
    if field.compute and field.store:
        field.recompute(records)
    cache = records.env.cache
    values = list(cache.get_until_miss(records, field))
    if len(values) < len(records):
        records.fetch([fname])
        values = list(cache.get_until_miss(records, field))
    if len(values) < len(records):  # new records without a value
        values = [record[fname] for record in records]
        if field.type == "many2one":
            values = [value.id or None for value in values]
    return values


def create_report_view(cr, table, query):
    """(Re)create the SQL view ``table`` of a report model (``_auto = False``)."""
    drop_view_if_exists(cr, table)
    cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(table), query))


def insert_rows(model, vals_list, returning=("id",)):
    """Insert the rows of ``vals_list`` into the table of ``model`` with one
    ``INSERT ... SELECT FROM unnest(...)``, stamped with the current user and
    time; returns the ``returning`` columns of the new rows.

    For the set-based batch paths only (no ORM ``create``: no defaults,
    computed fields, constraints nor overrides run): every dict has the same
    keys, stored non-translated columns of ``model``; ``False`` is ``NULL``
    except for booleans.
    """
    if not vals_list:
        return []
    fnames = list(vals_list[0])
    columns = []
    for fname in fnames:
        field = model._fields[fname]
        sqltype = field.column_type[0]
        values = [vals[fname] for vals in vals_list]
        if sqltype == "int4":
            sqltype = "int"
        if sqltype != "bool":
            values = [None if value is False else value for value in values]
        if sqltype == "text":
            values = [None if value is None else str(value) for value in values]
        columns.append((sqltype, values))
    env = model.env
    env.cr.execute(
        SQL(
            """
        INSERT INTO %(table)s (%(cols)s, create_uid, write_uid, create_date, write_date)
        SELECT v.*, %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM %(rows)s AS v
     RETURNING %(returning)s
            """,
            table=SQL.identifier(model._table),
            cols=SQL(", ").join(SQL.identifier(fname) for fname in fnames),
            uid=env.uid,
            now=env.cr.now(),
            rows=unnest_sql(columns),
            returning=SQL(", ").join(SQL.identifier(fname) for fname in returning),
        )
    )
    return env.cr.fetchall()


def update_by_id(records, columns):
    """Write many rows of ``records``' table with one ``UPDATE ... FROM
    unnest(...)``, then invalidate the cache and mark the fields modified.

    :param columns: ``{field name: (sql type, [value per record])}``, the
        values in the order of ``records``
    """
    ids = records.ids
    fnames = list(columns)
    records.env.cr.execute(
        SQL(
            """
        UPDATE %(table)s AS p
           SET %(sets)s, write_uid = %(uid)s, write_date = (now() at time zone 'UTC')
          FROM %(rows)s AS v(id, %(cols)s)
         WHERE p.id = v.id AND p.id = ANY(%(ids)s::int[])
        """,
            table=SQL.identifier(records._table),
            ids=array_literal("int", ids),
            sets=SQL(", ").join(
                SQL("%s = v.%s", SQL.identifier(f), SQL.identifier(f)) for f in fnames
            ),
            uid=records.env.uid,
            rows=unnest_sql([("int", ids), *columns.values()]),
            cols=SQL(", ").join(SQL.identifier(f) for f in fnames),
        )
    )
    records.invalidate_recordset([*fnames, "write_uid", "write_date"])
    records.modified(fnames)

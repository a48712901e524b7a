"""Benchmark: the import of legacy customers with crm_standard's checks and
match rules against Odoo's plain import of the same rows.

Run with the harness (fresh database, crm_standard installed, global ``env``)::

    make bench ARGS="bench/bench_import.py --rows 20000"

It writes a CSV of N customer rows (name, tax ID, industry, salesperson,
phone with full-width digits for one row in ten, e-mail, city), then in the
same run measures, each inside a savepoint rolled back afterwards:

* the plain import: ``base_import.import.execute_import`` with the addon's
  checks disabled (context ``crm_import_checks_disabled``);
* the checked import: the same call with the row checks, name resolution,
  in-file duplicates and match rules (a new database: every row created);
* the re-import: the file (or its first ``--reimport-rows`` rows) once the rows
  exist (every row matched, updated), against the plain import of as many rows;
* duplicate detection alone (``_crm_import_match``) over the N existing
  partners (or ``--detect-partners`` of them, the ones beyond N inserted by
  SQL), against its SQL floor: one ``= ANY(array)`` query per match rule on
  the indexed normalised columns, the keys already normalised.

Prints times, ratios (goal: checked / plain <= 3) and queries per row.
"""

# A benchmark script, not addon code: it calls private methods on purpose.
# pylint: disable=protected-access
import argparse
import csv
import io
import sys
import time

from odoo.tools import SQL

from odoo.addons.crm_standard.models.res_partner import normalize_company_name
from odoo.addons.crm_standard.models.res_partner_import import (
    VAT_KEY_SQL,
    normalize_phone_text,
    normalize_vat,
)

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--rows", type=int, default=20000, help="customer rows in the file")
parser.add_argument(
    "--reimport-rows",
    type=int,
    default=None,
    help="re-import only the first N rows of the file (default: all; 0: skip the re-import)",
)
parser.add_argument(
    "--detect-partners",
    type=int,
    default=0,
    help="duplicate detection over this many partners (the imported ones, the rest "
    "inserted by SQL) and as many rows (default: the rows of the file)",
)
args = parser.parse_args(sys.argv[1:])
cr = env.cr
env.company.country_id = env.ref("base.cn")

HEADERS = ["Name", "Tax ID", "Industry", "Salesperson", "Phone", "Email", "City"]
FULL_WIDTH = str.maketrans("0123456789+ ", "０１２３４５６７８９＋\u3000")


def make_rows(start, stop):
    salesperson = env.ref("base.user_admin").name
    for i in range(start, stop):
        phone = f"+86 21 {6000 + i // 10000:04d} {i % 10000:04d}"
        if i % 10 == 0:
            phone = phone.translate(FULL_WIDTH)
        yield [
            f"基准客户{i:06d}有限公司",
            f"91310000BENCH{i:06d}",
            "IT/Communication",
            salesperson,
            phone,
            f"bench{i}@example.cn",
            "上海",
        ]


def make_file(n):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(make_rows(0, n))
    return buffer.getvalue().encode("utf-8")


def insert_partners(rows, template_id):
    """More partners for the detection bench, inserted by SQL as copies of an
    imported one with the rows' values and normalised keys (the ORM would take
    longer than the detection measured)."""
    Partner = env["res.partner"]
    normalised = {
        "name": [row[0] for row in rows],
        "complete_name": [row[0] for row in rows],
        "vat": [row[1] for row in rows],
        "phone": [normalize_phone_text(row[4]) for row in rows],
        "crm_phone_sanitized": [Partner._crm_import_phone_key(row[4]) for row in rows],
        "email": [row[5] for row in rows],
        "email_normalized": [row[5].lower() for row in rows],
        "crm_name_normalized": [normalize_company_name(row[0]) for row in rows],
    }
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'res_partner' AND column_name != 'id'"
    )
    columns = [name for (name,) in cr.fetchall()]
    nulls = {"customer_code", "phone_sanitized", "mobile", "commercial_partner_id"}
    exprs = [
        SQL.identifier("u", c)
        if c in normalised
        else SQL("NULL")
        if c in nulls
        else SQL.identifier("t", c)
        for c in columns
    ]
    cr.execute(
        SQL(
            "INSERT INTO res_partner (%s) SELECT %s FROM res_partner t, unnest(%s) AS u(%s)"
            " WHERE t.id = %s",
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ").join(exprs),
            SQL(", ").join(SQL("%s::varchar[]", values) for values in normalised.values()),
            SQL(", ").join(SQL.identifier(c) for c in normalised),
            template_id,
        )
    )
    env.invalidate_all()


def run_import(content, **context):
    importer = (
        env["base_import.import"]
        .with_context(tracking_disable=True, **context)
        .create({"res_model": "res.partner", "file": content, "file_name": "bench.csv",
                 "file_type": "text/csv"})
    )  # fmt: skip
    options = {"has_headers": True, "quoting": '"', "separator": ",", "encoding": "utf-8"}
    preview = importer.parse_preview(dict(options))
    fields = ["/".join(preview["matches"].get(i) or []) or False for i in range(len(HEADERS))]
    queries = cr.sql_log_count
    t0 = time.perf_counter()
    result = importer.execute_import(fields, HEADERS, dict(preview["options"], has_headers=True))
    env.flush_all()
    elapsed = time.perf_counter() - t0
    errors = [m for m in result["messages"] if m["type"] == "error"]
    assert not errors, errors[:3]
    result["queries"] = cr.sql_log_count - queries
    return elapsed, result


content = make_file(args.rows)
print(f"bench_import: {args.rows} rows, {len(content) / 1e6:.1f} MB CSV")

cr.execute("SAVEPOINT bench_plain")
plain, result = run_import(content, crm_import_checks_disabled=True)
assert len(result["ids"]) == args.rows
cr.execute("ROLLBACK TO SAVEPOINT bench_plain")
env.invalidate_all()
print(
    f"  plain import (checks disabled)   {plain:8.2f} s"
    f"   {result['queries'] / args.rows:5.2f} queries/row"
)

checked, result = run_import(content)
assert len(result["ids"]) == args.rows
print(
    f"  import with checks and matching  {checked:8.2f} s   ratio {checked / plain:5.2f}"
    f"   {result['queries'] / args.rows:5.2f} queries/row"
)

count = env["res.partner"].search_count([])
n_reimport = args.rows if args.reimport_rows is None else min(args.reimport_rows, args.rows)
if n_reimport:
    lines = content.decode("utf-8").splitlines(keepends=True)
    subset = "".join(lines[: n_reimport + 1]).encode("utf-8")
    cr.execute("SAVEPOINT bench_reimport")
    reimport, result = run_import(subset)
    assert env["res.partner"].search_count([]) == count, "the re-import created partners"
    cr.execute("ROLLBACK TO SAVEPOINT bench_reimport")
    env.invalidate_all()
    # against the plain import of as many rows
    expected = plain * n_reimport / args.rows
    print(
        f"  re-import of {n_reimport} rows (all matched, updated) {reimport:8.2f} s"
        f"   ratio {reimport / expected:5.2f} (vs plain x {n_reimport}/{args.rows})"
        f"   {result['queries'] / n_reimport:5.2f} queries/row"
    )

# -- duplicate detection alone vs its SQL floor --------------------------------------
Partner = env["res.partner"]
rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))[1:]
if args.detect_partners > args.rows:
    extra = list(make_rows(args.rows, args.detect_partners))
    template = Partner.search([("vat", "=", rows[0][1])], limit=1)
    t0 = time.perf_counter()
    insert_partners(extra, template.id)
    print(f"  {len(extra)} more partners inserted by SQL in {time.perf_counter() - t0:.1f} s")
    rows += extra
fields = ["name", "vat", "industry_id", "user_id", "phone", "email", "city"]
index = {f: i for i, f in enumerate(fields)}
env.flush_all()
cr.execute("ANALYZE res_partner")
count = Partner.search_count([])
t0 = time.perf_counter()
matched = Partner._crm_import_match(rows, index, {}, lambda *a: None)
detect = time.perf_counter() - t0
assert len(matched) == len(rows), len(matched)
# the floor: the same lookups with the keys already normalised, plain indexed SQL
keys = [
    (SQL(VAT_KEY_SQL), [normalize_vat(row[index["vat"]]) for row in rows]),
    (SQL("email_normalized"), [row[index["email"]].lower() for row in rows]),
    (
        SQL("crm_phone_sanitized"),
        [Partner._crm_import_phone_key(row[index["phone"]]) for row in rows],
    ),
    (SQL("crm_name_normalized"), [normalize_company_name(row[index["name"]]) for row in rows]),
]
t0 = time.perf_counter()
for column, values in keys:
    cr.execute(
        SQL(
            "SELECT %(col)s, min(id) FROM res_partner WHERE parent_id IS NULL"
            " AND %(col)s = ANY(%(values)s) GROUP BY 1",
            col=column,
            values=values,
        )
    )
    cr.fetchall()
floor = time.perf_counter() - t0
print(
    f"  duplicate detection ({len(rows)} rows vs {count} partners) {detect:6.2f} s, "
    f"SQL floor {floor:6.2f} s, ratio {detect / floor:5.1f}"
)
env.cr.rollback()

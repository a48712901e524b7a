"""Benchmark: the customer grading cron against a raw SQL floor.

Run with the harness (fresh database, crm_standard installed, global ``env``)::

    make bench ARGS="bench/bench_grading.py --n 100000"

It creates N customers with about 3 won opportunities each across industries
(set-based SQL inserts), then measures

* the floor: one raw SQL aggregate of the won revenue + the grading in plain
  Python + one ``UPDATE ... FROM (VALUES ...)`` writing the grades;
* the grading cron end to end (``res.partner._cron_crm_recompute_grades``:
  batches, chatter tracking, history rows, value tags, commits),

checks that both give the same grades, and prints both times and the ratio
(goal: ratio <= 3). A second cron run shows the idempotent daily case.
"""

# A benchmark script, not addon code: it commits between phases and calls the
# private cron method on purpose.
# pylint: disable=invalid-commit,protected-access
import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from psycopg2.extras import execute_values

from odoo import fields
from odoo.sql_db import Cursor, db_connect

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--n", type=int, default=100000, help="number of customers")
parser.add_argument("--leads", type=int, default=3, help="won opportunities per customer")
parser.add_argument(
    "--batch-size", type=int, default=5000, help="cron batch size (the cron's default)"
)
parser.add_argument("--profile", action="store_true", help="print a cProfile of the cron run")
parser.add_argument(
    "--with-followup-plans",
    action="store_true",
    help="let the grade changes propose follow-up plans (one plan per customer on the "
    "first run); by default the bench measures the grading alone",
)
parser.add_argument(
    "--regrade",
    action="store_true",
    help="then change the industries' growth rates and time the cron again (the mass "
    "regrade: most grades change; with --with-followup-plans their open draft plans are "
    "closed and new ones proposed), against the same floor",
)
parser.add_argument(
    "--log-first-grades",
    action="store_true",
    help="also post a chatter note for a customer's first grade (the "
    "_crm_grade_chatter_partners extension point returning every customer)",
)
args = parser.parse_args(sys.argv[1:])
Partner = env["res.partner"]
if args.log_first_grades:
    type(Partner)._crm_grade_chatter_partners = lambda self, old_grades, source: self
if not args.with_followup_plans:
    Partner = Partner.with_context(crm_skip_followup_plans=True)
cr = env.cr


def vacuum():
    """VACUUM ANALYZE the tables both phases write, so that the floor and the
    cron start from the same state (no dead rows left by the previous phase)."""
    with db_connect(cr.dbname).cursor() as vcr:
        vcr._cnx.autocommit = True
        for table in (
            "res_partner",
            "crm_lead",
            "res_partner_res_partner_category_rel",
            "crm_standard_grade_history",
            "crm_standard_followup_plan",
        ):
            vcr._obj.execute(f"VACUUM ANALYZE {table}")


# -- data ------------------------------------------------------------------
t0 = time.perf_counter()
won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
company = env.company
cr.execute("UPDATE res_partner_industry SET growth_rate = (id * 7) % 25")
cr.execute(
    """
    INSERT INTO res_partner (name, complete_name, is_company, active, type, lang,
                             is_crm_customer, customer_type, lifecycle_stage,
                             industry_id, needs_match, crm_service_state, create_uid,
                             write_uid, create_date, write_date)
    SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE, TRUE, 'contact', 'en_US',
           TRUE, 'enterprise', 'repeat',
           (SELECT array_agg(id ORDER BY id) FROM res_partner_industry)[1 + g %% 21],
           (ARRAY['high', 'medium', 'low', NULL])[1 + (g * 31) %% 4], 'none',
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM generate_series(1, %s) g
""",
    [args.n],
)
cr.execute(
    "UPDATE res_partner SET commercial_partner_id = id "
    "WHERE commercial_partner_id IS NULL AND name LIKE 'Bench Customer %%'"
)
cr.execute(
    """
    INSERT INTO crm_lead (name, type, partner_id, crm_commercial_partner_id, stage_id,
                          expected_revenue, probability, date_closed, active, company_id,
                          create_uid, write_uid, create_date, write_date)
    SELECT 'Bench deal ' || p.id || '/' || k, 'opportunity', p.id, p.id, %(stage)s,
           round((random() * (ARRAY[20000, 100000, 250000, 500000])[1 + p.id %% 4])::numeric, 2),
           100, now() at time zone 'UTC' - random() * interval '300 days', TRUE, %(company)s,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p, generate_series(1, %(leads)s) k
     WHERE p.name LIKE 'Bench Customer %%'
""",
    {"stage": won_stage.id, "company": company.id, "leads": args.leads},
)
cr.commit()
vacuum()
env.invalidate_all()
cr.execute("SELECT count(*) FROM res_partner WHERE is_crm_customer")
n_customers = cr.fetchone()[0]
cr.execute("SELECT count(*) FROM crm_lead")
n_leads = cr.fetchone()[0]
print(
    f"N = {args.n}: {n_customers} customers, {n_leads} won opportunities "
    f"(generated in {time.perf_counter() - t0:.1f} s)"
)

# -- floor -----------------------------------------------------------------
table = env["crm.standard.grade.matrix"]._crm_grade_table()
matrix = {(v, p): g for (c, v, p), g in table.items() if not c}
points = {"low": 0, "medium": 1, "high": 2}
levels = {0: "low", 1: "medium", 2: "high"}
value_high, value_medium = company.crm_grade_value_high, company.crm_grade_value_medium
growth_high, growth_medium = company.crm_grade_growth_high, company.crm_grade_growth_medium
since = fields.Datetime.now() - relativedelta(months=12)

t0 = time.perf_counter()
cr.execute(
    """
    SELECT p.id, p.needs_match, p.industry_id, i.growth_rate, COALESCE(r.revenue, 0)
      FROM res_partner p
 LEFT JOIN res_partner_industry i ON i.id = p.industry_id
 LEFT JOIN (SELECT l.crm_commercial_partner_id AS pid, SUM(l.expected_revenue) AS revenue
              FROM crm_lead l
              JOIN crm_stage s ON s.id = l.stage_id
             WHERE l.active AND l.type = 'opportunity' AND s.is_won
               AND (l.date_closed >= %(since)s
                    OR (l.date_closed IS NULL AND l.create_date >= %(since)s))
          GROUP BY l.crm_commercial_partner_id) r ON r.pid = p.id
     WHERE p.is_crm_customer
""",
    {"since": since},
)
values = []
for pid, needs, industry, growth, revenue in cr.fetchall():
    revenue = float(revenue)
    value = "high" if revenue > value_high else "medium" if revenue >= value_medium else "low"
    found = [needs] if needs else []
    if industry:
        growth = growth or 0.0
        found.append(
            "high" if growth > growth_high else "medium" if growth >= growth_medium else "low"
        )
    potential = levels[sum(points[x] for x in found) // len(found)] if found else "low"
    grade = matrix[(value, potential)]
    values.append((pid, grade, grade, value, potential, round(revenue, 2)))
execute_values(
    cr._obj,
    """
    UPDATE res_partner AS p
       SET customer_grade = v.g, crm_grade_computed = v.g, crm_value_level = v.v,
           crm_potential_level = v.p, revenue_12m = v.r
      FROM (VALUES %s) AS v(id, g, gc, v, p, r)
     WHERE p.id = v.id
""",
    values,
    page_size=len(values),
)
cr.commit()
floor = time.perf_counter() - t0
floor_grades = {row[0]: (row[1], row[3], row[4]) for row in values}
print(
    f"floor: 1 SQL aggregate + 1 UPDATE ... FROM (VALUES ...) of {len(values)} rows: {floor:.2f} s"
)


def reset_grades():
    """Back to ungraded customers: no grade, history, value tag nor plan."""
    cr.execute(
        "UPDATE res_partner SET customer_grade = NULL, crm_grade_computed = NULL, "
        "crm_value_level = NULL, crm_potential_level = NULL, revenue_12m = NULL "
        "WHERE is_crm_customer"
    )
    cr.execute("DELETE FROM crm_standard_grade_history")
    cr.execute("DELETE FROM crm_standard_followup_plan")
    cr.execute(
        "DELETE FROM res_partner_res_partner_category_rel r USING res_partner_category c "
        "WHERE c.id = r.category_id AND c.is_automatic"
    )
    cr.commit()
    vacuum()
    env.invalidate_all()


reset_grades()
if args.with_followup_plans:
    # the grading alone in the same run: the proposals' own share of the cron
    t0 = time.perf_counter()
    Partner.with_context(crm_skip_followup_plans=True)._cron_crm_recompute_grades(
        batch_size=args.batch_size
    )
    alone = time.perf_counter() - t0
    print(f"grading cron without proposals: {alone:.2f} s, ratio {alone / floor:.2f}")
    reset_grades()

# -- cron ------------------------------------------------------------------
t0 = time.perf_counter()
if args.profile:
    sql_time = defaultdict(float)
    original_execute = Cursor.execute

    def timed_execute(self, query, params=None, log_exceptions=True):
        start = time.perf_counter()
        try:
            return original_execute(self, query, params, log_exceptions)
        finally:
            statement = " ".join(str(getattr(query, "code", query)).split())[:90]
            sql_time[statement] += time.perf_counter() - start

    Cursor.execute = timed_execute
    profiler = cProfile.Profile()
    profiler.runcall(Partner._cron_crm_recompute_grades, batch_size=args.batch_size)
    cron = time.perf_counter() - t0
    Cursor.execute = original_execute
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    for key, spent in sorted(sql_time.items(), key=lambda item: -item[1])[:15]:
        print(f"{spent:7.3f} s  {key}")
else:
    Partner._cron_crm_recompute_grades(batch_size=args.batch_size)
    cron = time.perf_counter() - t0
cr.execute("SELECT count(*) FROM crm_standard_grade_history")
history = cr.fetchone()[0]
cr.execute("SELECT count(*) FROM mail_tracking_value")
tracking = cr.fetchone()[0]
print(
    f"grading cron end to end (batches of {args.batch_size}; chatter"
    f"{' incl. first grades' if args.log_first_grades else ''}, history, tags"
    f"{', follow-up plans' if args.with_followup_plans else ''}): {cron:.2f} s ({history} history rows, {tracking} tracking values)"
)
print(f"ratio cron / floor: {cron / floor:.2f} (goal <= 3)")
if args.with_followup_plans:
    cr.execute("SELECT count(*) FROM crm_standard_followup_plan")
    n_plans = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM crm_standard_followup_plan_step")
    print(f"follow-up plans proposed: {n_plans}, with {cr.fetchone()[0]} steps")

cr.execute(
    "SELECT id, customer_grade, crm_value_level, crm_potential_level "
    "FROM res_partner WHERE is_crm_customer"
)
same = sum(
    1
    for pid, grade, value, potential in cr.fetchall()
    if floor_grades.get(pid) == (grade, value, potential)
)
print(f"same grades as the floor: {same}/{len(floor_grades)}")
cr.execute(
    "SELECT customer_grade, count(*) FROM res_partner WHERE is_crm_customer GROUP BY 1 ORDER BY 1"
)
print("grades: " + ", ".join(f"{g}={c}" for g, c in cr.fetchall()))

t0 = time.perf_counter()
Partner._cron_crm_recompute_grades(batch_size=args.batch_size)
again = time.perf_counter() - t0
cr.execute("SELECT count(*) FROM crm_standard_grade_history")
print(
    f"second cron run (nothing changes): {again:.2f} s, history rows added: "
    f"{cr.fetchone()[0] - history}"
)

if args.regrade:
    # the admin sets the industries' growth rates: most potentials, so grades, change
    cr.execute("UPDATE res_partner_industry SET growth_rate = 24 - (id * 7) % 25")
    cr.execute("SELECT count(*) FROM crm_standard_followup_plan")
    plans_before = cr.fetchone()[0]
    cr.commit()
    vacuum()
    env.invalidate_all()
    t0 = time.perf_counter()
    Partner._cron_crm_recompute_grades(batch_size=args.batch_size)
    regrade = time.perf_counter() - t0
    cr.execute("SELECT count(*) FROM crm_standard_grade_history")
    changed = cr.fetchone()[0] - history
    cr.execute("SELECT count(*) FROM crm_standard_followup_plan")
    proposed = cr.fetchone()[0] - plans_before
    cr.execute("SELECT count(*) FROM crm_standard_followup_plan WHERE state = 'cancelled'")
    print(
        f"mass regrade: {changed} grades changed, {proposed} plans proposed, "
        f"{cr.fetchone()[0]} closed, in {regrade:.2f} s; ratio regrade / floor: "
        f"{regrade / floor:.2f} (goal <= 3)"
    )

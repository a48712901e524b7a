"""Benchmark: partner list and search as a salesperson (own documents) vs
as the administrator, on the same 100,000 partners, in the same run.

Run with the harness (fresh database, crm_standard installed, global ``env``)::

    make bench ARGS="bench/bench_partner_visibility.py --n 100000"

Data (set-based SQL inserts): N partners, of which 70 % customers owned by 20
salespeople, 10 % customers in the public pool (no salesperson), 20 %
non-customers (vendors, mail authors...); a contact for every fifth
customer; N/5 opportunities (10 % unassigned) and N/50 activities. The kinds
of partners are interleaved in the table as they are when created over time;
``--layout blocks`` stores them kind by kind instead (the salesperson's
visible partners last: the worst case for a counted list).

For each operation of the web client (the contacts list with its count, the
customers list, a many2one name search, an ``ilike`` search, the public
pool) it prints the median time as the salesperson and as the administrator,
the ratio (goal <= 1.2), then the EXPLAIN ANALYZE plans of the list query.
"""

# A benchmark script, not addon code: SQL inserts on purpose.
# pylint: disable=protected-access
import argparse
import math
import statistics
import sys
import time

from odoo import Command
from odoo.tools import SQL

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--n", type=int, default=100000, help="number of partners")
parser.add_argument("--salespeople", type=int, default=20)
parser.add_argument("--repeat", type=int, default=15, help="runs per operation (median)")
parser.add_argument(
    "--layout",
    choices=("interleaved", "blocks"),
    default="interleaved",
    help="table order: kinds of partners interleaved as they are created (default), or "
    "in blocks (owned customers first, then the pool, then non-customers: the worst "
    "case for a salesperson's counted list)",
)
parser.add_argument(
    "--count-limit",
    type=int,
    default=10001,
    help="count limit of the lists (the web client's default: 10001)",
)
args = parser.parse_args(sys.argv[1:])
cr = env.cr


_last_step = [time.perf_counter()]


def step(label):
    now = time.perf_counter()
    print(f"  {label}: {now - _last_step[0]:.1f} s")
    _last_step[0] = now


# -- data ------------------------------------------------------------------
t0 = time.perf_counter()
company = env.company
company.crm_pool_enabled = True
salesman_group = env.ref("sales_team.group_sale_salesman")
users = env["res.users"].create(
    [
        {
            "name": f"Bench Salesperson {i}",
            "login": f"bench_sales_{i}",
            "groups_id": [Command.set([salesman_group.id])],
        }
        for i in range(args.salespeople)
    ]
)
env.flush_all()
step("users")
user_ids = users.ids
n_owned = int(args.n * 0.7)
n_pool = int(args.n * 0.1)
n_other = args.n - n_owned - n_pool
n_contacts = n_owned // 5
n_owned_companies = n_owned - n_contacts
# k orders the kinds: <= owned, <= customers (the pool), else non-customers;
# interleaved, g is spread over them by a stride prime to their count
kind = "g"
if args.layout == "interleaved":
    n_companies = n_owned_companies + n_pool + n_other
    stride = next(p for p in range(7919, n_companies * 2) if math.gcd(p, n_companies) == 1)
    kind = f"(1 + (g - 1)::bigint * {stride} %% {n_companies})"
# ids drawn from the sequence so that commercial_partner_id is set in the
# INSERT (an UPDATE of 80,000 rows rewrites every index of res_partner)
cr.execute(
    """
    INSERT INTO res_partner (id, commercial_partner_id, name, complete_name, is_company,
                             active, type, lang, email,
                             is_crm_customer, customer_type, lifecycle_stage, partner_share,
                             user_id, crm_owner_user_id, crm_visibility_restricted,
                             crm_visibility_key, create_uid, write_uid, create_date, write_date,
                             crm_service_state)
    SELECT s.id, s.id, 'Bench Partner ' || g, 'Bench Partner ' || g, TRUE, TRUE, 'contact',
           'en_US', 'bench' || g || '@example.com',
           k <= %(customers)s, 'enterprise', 'potential', TRUE,
           CASE WHEN k <= %(owned)s THEN (%(users)s::int[])[1 + g %% %(nusers)s] END,
           CASE WHEN k <= %(owned)s THEN (%(users)s::int[])[1 + g %% %(nusers)s] END,
           k <= %(customers)s,
           CASE WHEN k > %(customers)s THEN 0
                WHEN k > %(owned)s THEN -1
                ELSE (%(users)s::int[])[1 + g %% %(nusers)s] END,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC', 'none'
      FROM (SELECT nextval('res_partner_id_seq') AS id, g, %(kind)s AS k
              FROM generate_series(1, %(companies)s) g) s
    """.replace("%(kind)s", kind),
    {
        "customers": n_owned_companies + n_pool,
        "owned": n_owned_companies,
        "users": user_ids,
        "nusers": len(user_ids),
        "companies": n_owned_companies + n_pool + n_other,
    },
)
step("companies")
# contacts of every fifth owned customer
cr.execute(
    """
    INSERT INTO res_partner (name, complete_name, is_company, active, type, lang, email,
                             parent_id, commercial_partner_id, is_crm_customer,
                             customer_type, lifecycle_stage, partner_share, user_id,
                             crm_owner_user_id, crm_visibility_restricted, crm_visibility_key,
                             create_uid, write_uid, create_date, write_date, crm_service_state)
    SELECT 'Bench Contact ' || p.id, p.name || ', Bench Contact ' || p.id, FALSE, TRUE,
           'contact', 'en_US', 'contact' || p.id || '@example.com', p.id, p.id, FALSE,
           'individual', 'potential', TRUE, p.user_id, p.user_id, TRUE, p.user_id,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC', 'none'
      FROM res_partner p
     WHERE p.name LIKE 'Bench Partner %%' AND p.user_id IS NOT NULL
     ORDER BY p.id
     LIMIT %s
    """,
    [n_contacts],
)
step("contacts")
stage = env["crm.stage"].search([], limit=1)
cr.execute(
    """
    INSERT INTO crm_lead (name, type, partner_id, crm_commercial_partner_id, stage_id,
                          user_id, active, company_id,
                          probability, create_uid, write_uid, create_date, write_date)
    SELECT 'Bench deal ' || p.id, 'opportunity', p.id, p.commercial_partner_id, %(stage)s,
           CASE WHEN p.id %% 40 = 0 THEN NULL
                ELSE (%(users)s::int[])[1 + (p.id / 4) %% %(nusers)s] END,
           TRUE, %(company)s, 10, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p
     WHERE p.name LIKE 'Bench Partner %%' AND p.is_crm_customer AND p.id %% 4 = 0
     LIMIT %(leads)s
    """,
    {
        "stage": stage.id,
        "users": user_ids,
        "nusers": len(user_ids),
        "company": company.id,
        "leads": args.n // 5,
    },
)
step("opportunities")
activity_type = env.ref("mail.mail_activity_data_todo")
cr.execute(
    """
    INSERT INTO mail_activity (res_model_id, res_model, res_id, activity_type_id, user_id,
                               date_deadline, active, create_uid, write_uid, create_date,
                               write_date)
    SELECT %(model)s, 'res.partner', p.id, %(type)s,
           (%(users)s::int[])[1 + (p.id / 50) %% %(nusers)s],
           CURRENT_DATE, TRUE, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p
     WHERE p.name LIKE 'Bench Partner %%' AND p.id %% 50 = 7
    """,
    {
        "model": env["ir.model"]._get_id("res.partner"),
        "type": activity_type.id,
        "users": user_ids,
        "nusers": len(user_ids),
    },
)
step("activities")
for table in ("res_partner", "crm_lead", "mail_activity"):
    cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
step("analyze")
env.invalidate_all()
cr.execute("SELECT count(*) FROM res_partner")
total = cr.fetchone()[0]
print(f"data: {total} partners, {len(users)} salespeople ({time.perf_counter() - t0:.1f} s)")

salesperson = users[1]
admin = env.ref("base.user_admin")
LIST_SPEC = {
    "display_name": {},
    "email": {},
    "phone": {},
    "city": {},
    "user_id": {"fields": {"display_name": {}}},
    "country_id": {"fields": {"display_name": {}}},
}
OPERATIONS = {
    "contacts list (80 rows + count)": lambda P: P.web_search_read(
        [], LIST_SPEC, limit=80, count_limit=args.count_limit
    ),
    "customers list (80 rows + count)": lambda P: P.web_search_read(
        [("is_crm_customer", "=", True)], LIST_SPEC, limit=80, count_limit=args.count_limit
    ),
    "many2one name search": lambda P: P.name_search("Bench Partner 47", limit=8),
    "search name ilike": lambda P: P.search([("name", "ilike", "artner 4711")]),
    "public pool list": lambda P: P.web_search_read(
        [("crm_in_pool", "=", True)], LIST_SPEC, limit=80, count_limit=args.count_limit
    ),
}


def timed(operation):
    """Median times (salesperson, admin); the two users alternate, so that a
    busy machine slows both alike."""
    sales = env["res.partner"].with_user(salesperson)
    admin_env = env["res.partner"].with_user(admin)
    operation(sales)  # warm-up (rule cache, plans)
    operation(admin_env)
    times = {"sales": [], "admin": []}
    for __ in range(args.repeat):
        for key, Partner in (("admin", admin_env), ("sales", sales)):
            env.invalidate_all()
            start = time.perf_counter()
            operation(Partner)
            times[key].append(time.perf_counter() - start)
    return statistics.median(times["sales"]), statistics.median(times["admin"])


visible = env["res.partner"].with_user(salesperson).search_count([])
print(f"salesperson {salesperson.name} sees {visible} of {total} partners")
print()
print(f"{'operation':36} {'salesperson':>12} {'admin':>10} {'ratio':>7}")
sum_sales = sum_admin = 0.0
for name, operation in OPERATIONS.items():
    t_sales, t_admin = timed(operation)
    sum_sales += t_sales
    sum_admin += t_admin
    print(f"{name:36} {t_sales * 1000:10.1f}ms {t_admin * 1000:8.1f}ms {t_sales / t_admin:7.2f}")
print(
    f"{'total':36} {sum_sales * 1000:10.1f}ms {sum_admin * 1000:8.1f}ms {sum_sales / sum_admin:7.2f}"
)
print(f"ratio salesperson / admin: {sum_sales / sum_admin:.2f} (goal <= 1.2)")


def explain(user, domain, label):
    Partner = env["res.partner"].with_user(user)
    query = Partner._search(domain, limit=80, order=Partner._order)
    cr.execute(SQL("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) %s", query.select()))
    print()
    print(f"-- EXPLAIN {label}")
    for (line,) in cr.fetchall():
        print(line)


def explain_count(user, label):
    Partner = env["res.partner"].with_user(user)
    query = Partner._search([], limit=args.count_limit)
    cr.execute(
        SQL("EXPLAIN (ANALYZE, COSTS OFF) SELECT COUNT(*) FROM (%s) t", query.select(SQL("1")))
    )
    print()
    print(f"-- EXPLAIN {label}")
    for (line,) in cr.fetchall():
        print(line)


explain_count(salesperson, f"list count (limit {args.count_limit}) as the salesperson")
explain_count(admin, f"list count (limit {args.count_limit}) as the admin")
explain(salesperson, [], "contacts list as the salesperson")
explain(admin, [], "contacts list as the admin")
explain(salesperson, [("is_crm_customer", "=", True)], "customers list as the salesperson")
explain(admin, [("is_crm_customer", "=", True)], "customers list as the admin")

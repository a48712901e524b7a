"""Benchmark: the dashboards' data requests as a salesperson vs as the admin.

Run with the harness (fresh database, crm_standard installed, global ``env``)::

    make bench ARGS="bench/bench_dashboard.py --n 50000"

Data (set-based SQL inserts): N customers owned by 20 salespeople (grade,
health band and completeness spread), N opportunities with their creation in
the stage history (a tenth won), N/2 tickets (SLA status spread), N/5
satisfaction results, N/2 grade changes and N/50 pool claims.

The requests are those the web client sends for every data source of the
dashboard JSON (pivot: ``read_group``; chart: ``web_read_group``; list:
``web_search_read`` of the rows shown, and its count), with the domains
evaluated as the web client does. "My CRM" of one salesperson is read as that
salesperson (record rules apply) and as the admin (the same rows, no rule to
apply): the ratio is the cost of the rules (goal <= 1.5). "CRM Standard" as the
admin is printed for scale.
"""

# A benchmark script, not addon code: SQL inserts on purpose.
# pylint: disable=protected-access
import argparse
import json
import statistics
import sys
import time

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tools import file_open
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--n", type=int, default=50000, help="number of customers")
parser.add_argument("--salespeople", type=int, default=20)
parser.add_argument("--repeat", type=int, default=7, help="runs of the dashboard (median)")
args = parser.parse_args(sys.argv[1:])
cr = env.cr

# -- data ------------------------------------------------------------------
t0 = time.perf_counter()
company = env.company
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
user_ids = users.ids
params = {"users": user_ids, "nusers": len(user_ids), "n": args.n, "company": company.id}
cr.execute(
    """
    INSERT INTO res_partner (id, commercial_partner_id, name, complete_name, is_company,
                             active, type, lang, email, company_id,
                             is_crm_customer, customer_type, lifecycle_stage, partner_share,
                             user_id, crm_owner_user_id, crm_visibility_restricted,
                             crm_visibility_key, customer_grade, crm_health_band,
                             completeness_score, crm_service_state, create_uid, write_uid, create_date, write_date)
    SELECT s.id, s.id, 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE, TRUE, 'contact',
           'en_US', 'bench' || g || '@example.com', NULL,
           TRUE, 'enterprise', 'active', TRUE,
           (%(users)s::int[])[1 + g %% %(nusers)s], (%(users)s::int[])[1 + g %% %(nusers)s],
           TRUE, (%(users)s::int[])[1 + g %% %(nusers)s],
           (ARRAY['S', 'A', 'B', 'C'])[1 + g %% 4],
           (ARRAY['new', 'healthy', 'watch', 'at_risk'])[1 + g %% 4],
           40 + (g %% 7) * 10, 'none', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM (SELECT nextval('res_partner_id_seq') AS id, g FROM generate_series(1, %(n)s) g) s
    """,
    params,
)
stages = env["crm.stage"].search([], order="sequence, id")
won = stages.filtered("is_won")[:1] or stages[-1:]
params.update(stages=stages.ids, won=won.id)
cr.execute(
    """
    INSERT INTO crm_lead (name, type, active, stage_id, user_id, company_id, partner_id,
                          crm_commercial_partner_id, probability, expected_revenue, priority,
                          date_last_stage_update, create_uid, write_uid, create_date, write_date)
    SELECT 'Bench deal ' || p.id, 'opportunity', TRUE,
           CASE WHEN p.id %% 10 = 0 THEN %(won)s
                ELSE (%(stages)s::int[])[1 + p.id %% array_length(%(stages)s::int[], 1)] END,
           p.user_id, %(company)s, p.id, p.id, 50, 1000 + p.id %% 500, '0',
           now() at time zone 'UTC', 1, 1,
           now() at time zone 'UTC' - (p.id %% 365) * interval '1 day', now() at time zone 'UTC'
      FROM res_partner p WHERE p.name LIKE 'Bench Customer %%'
    """,
    params,
)
cr.execute(
    """
    INSERT INTO crm_standard_stage_history (lead_id, company_id, user_id, changed_by_id,
           to_stage_id, date, kind, create_uid, write_uid, create_date, write_date)
    SELECT l.id, l.company_id, l.user_id, 1, l.stage_id, l.create_date, 'create',
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM crm_lead l WHERE l.name LIKE 'Bench deal %%'
    """
)
ticket_stage = env["crm.standard.ticket.stage"].search([("is_closed", "=", False)], limit=1)
params.update(ticket_stage=ticket_stage.id)
cr.execute(
    """
    INSERT INTO crm_standard_ticket (name, number, company_id, partner_id, commercial_partner_id,
           ticket_type, priority, channel, stage_id, is_closed, date_received, sla_status,
           sla_compliance, active, create_uid, write_uid, create_date, write_date)
    SELECT 'Bench ticket ' || p.id, 'BT' || p.id, %(company)s, p.id, p.id, 'inquiry', '1',
           'phone', %(ticket_stage)s, FALSE, now() at time zone 'UTC',
           (ARRAY['on_track', 'at_risk', 'breached'])[1 + p.id %% 3],
           CASE WHEN p.id %% 3 = 2 THEN 0 ELSE 100 END, TRUE,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p WHERE p.name LIKE 'Bench Customer %%' AND p.id %% 2 = 0
    """,
    params,
)
cr.execute(
    """
    INSERT INTO crm_standard_satisfaction (partner_id, company_id, date, score, user_id,
           create_uid, write_uid, create_date, write_date)
    SELECT p.id, %(company)s, current_date - (p.id %% 300), 1 + p.id %% 5, p.user_id,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p WHERE p.name LIKE 'Bench Customer %%' AND p.id %% 5 = 0
    """,
    params,
)
cr.execute(
    """
    INSERT INTO crm_standard_grade_history (partner_id, company_id, date, old_grade, new_grade,
           source, create_uid, write_uid, create_date, write_date)
    SELECT p.id, %(company)s, now() at time zone 'UTC' - (p.id %% 365) * interval '1 day',
           'C', p.customer_grade, 'computed',
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p WHERE p.name LIKE 'Bench Customer %%' AND p.id %% 2 = 1
    """,
    params,
)
cr.execute(
    """
    INSERT INTO crm_standard_pool_claim (partner_id, user_id, company_id, date,
           create_uid, write_uid, create_date, write_date)
    SELECT p.id, p.user_id, %(company)s, current_date - (p.id %% 80),
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p WHERE p.name LIKE 'Bench Customer %%' AND p.id %% 50 = 0
    """,
    params,
)
cr.execute("ANALYZE")
cr.commit()
print(f"data: {args.n} customers and their documents ({time.perf_counter() - t0:.1f} s)")


# -- the dashboards' requests ----------------------------------------------
def load(file_name):
    with file_open(f"crm_standard/data/files/{file_name}") as file:
        return json.load(file)


def evaluate(domain, uid):
    if not isinstance(domain, str):
        return domain
    today = fields.Date.context_today(env["res.partner"])
    return safe_eval(
        domain,
        {
            "uid": uid,
            "context_today": lambda: today,
            "relativedelta": relativedelta,
            "datetime": safe_datetime,
        },
    )


def requests(data, uid):
    """``[(model, method, args, kwargs)]``: what the web client sends for ``data``."""
    calls = []
    for pivot in data["pivots"].values():
        groupby = [
            f"{d['fieldName']}:{d['granularity']}" if d.get("granularity") else d["fieldName"]
            for d in pivot["rows"] + pivot["columns"]
        ]
        measures = [m["fieldName"] for m in pivot["measures"] if m["fieldName"] != "__count"]
        domain = evaluate(pivot["domain"], uid)
        calls.append((pivot["model"], "read_group", (domain, measures, groupby), {"lazy": False}))
    for list_ in data["lists"].values():
        domain = evaluate(list_["domain"], uid)
        order = ", ".join(f"{o['name']} {'ASC' if o['asc'] else 'DESC'}" for o in list_["orderBy"])
        spec = {name: {} for name in list_["columns"]}
        calls.append(
            (list_["model"], "web_search_read", (domain, spec), {"limit": 10, "order": order})
        )
    for sheet in data["sheets"]:
        for figure in sheet["figures"]:
            chart = figure["data"]
            if chart["type"].startswith("odoo_"):
                meta = chart["metaData"]
                measure = [] if meta["measure"] == "__count" else [meta["measure"]]
                domain = evaluate(chart["searchParams"]["domain"], uid)
                calls.append(
                    (
                        meta["resModel"],
                        "web_read_group",
                        (domain, measure, meta["groupBy"]),
                        {"lazy": False},
                    )
                )
    return calls


def run(calls, user, per_request=None):
    """Seconds of one dashboard load (every request) as ``user``, empty caches;
    ``per_request`` collects the seconds of each request."""
    env.invalidate_all()
    t0 = time.perf_counter()
    for index, (model, method, call_args, kwargs) in enumerate(calls):
        t1 = time.perf_counter()
        getattr(env[model].with_user(user), method)(*call_args, **kwargs)
        if per_request is not None:
            per_request.setdefault((index, model, method), []).append(time.perf_counter() - t1)
    return time.perf_counter() - t0


def median_of(calls, user):
    run(calls, user)  # warm-up
    return statistics.median(run(calls, user) for _run in range(args.repeat))


salesperson = users[0]
admin = env.ref("base.user_admin")
my_crm = requests(load("my_crm_dashboard.json"), salesperson.id)
# interleaved, so that both share the machine's load of the moment
timings = {"salesperson": [], "admin": []}
per_request = {"salesperson": {}, "admin": {}}
run(my_crm, salesperson)
run(my_crm, admin)
for _run in range(args.repeat):
    timings["salesperson"].append(run(my_crm, salesperson, per_request["salesperson"]))
    timings["admin"].append(run(my_crm, admin, per_request["admin"]))
t_sales = statistics.median(timings["salesperson"])
t_admin = statistics.median(timings["admin"])
print(
    f"My CRM of {salesperson.name} ({len(my_crm)} requests): as the salesperson {t_sales:.3f} s, "
    f"as the admin {t_admin:.3f} s"
)
print(f"ratio salesperson / admin = {t_sales / t_admin:.2f} (goal <= 1.5)")
print("slowest requests (median, salesperson / admin):")
slowest = sorted(per_request["salesperson"].items(), key=lambda item: -statistics.median(item[1]))[
    :5
]
for key, seconds in slowest:
    _index, model, method = key
    print(
        f"  {model}.{method}: {statistics.median(seconds):.3f} s / "
        f"{statistics.median(per_request['admin'][key]):.3f} s"
    )
crm = requests(load("crm_standard_dashboard.json"), admin.id)
print(f"CRM Standard as the admin ({len(crm)} requests): {median_of(crm, admin):.3f} s")

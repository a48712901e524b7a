"""Benchmark: the daily KPI cron against a set-based SQL floor of the same figures.

Run with the harness (fresh database, crm_standard installed, global ``env``)::

    make bench ARGS="bench/bench_kpi.py --n 100000"

It creates N customers (grades, completeness, health bands, lifecycle stages,
spread over the salespeople of a few sales teams), 3 N leads (won, lost, open,
closed in the last 90 days), a salesperson's message on a third of them, N
tickets (first response, SLA, half rated), follow-up reminders and pool
claims (set-based SQL inserts), and one KPI per shipped measure and scope
(the company, each team, each salesperson). Then it measures

* the floor: one SQL statement per measure computing its value for every
  scope at once (GROUPING SETS) into a table;
* the KPI cron end to end (``crm.standard.kpi._cron_crm_kpi``: locking, one
  query per measure, values upserted, status, tracking, the owners of the
  KPIs at risk told);

checks that both give the same figures and prints both times and the ratio
(goal: ratio <= 3). A second run the same day shows the idempotent case.
"""

# A benchmark script, not addon code: it commits between phases and calls the
# private cron method on purpose.
# pylint: disable=invalid-commit,protected-access
import argparse
import sys
import time
from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.sql_db import db_connect

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--n", type=int, default=100000, help="number of customers")
parser.add_argument("--users", type=int, default=20, help="number of salespeople")
parser.add_argument("--teams", type=int, default=4, help="number of sales teams")
args = parser.parse_args(sys.argv[1:])
cr = env.cr
Kpi = env["crm.standard.kpi"]
TABLES = (
    "res_partner",
    "crm_lead",
    "crm_standard_ticket",
    "rating_rating",
    "mail_message",
    "crm_standard_followup_reminder",
    "crm_standard_pool_claim",
)


def vacuum():
    with db_connect(cr.dbname).cursor() as vcr:
        vcr._cnx.autocommit = True
        for table in TABLES:
            vcr._obj.execute(f"VACUUM ANALYZE {table}")


# -- data ------------------------------------------------------------------
t0 = time.perf_counter()
company = env.company
users = env["res.users"].create(
    [
        {
            "name": f"Bench Seller {i}",
            "login": f"bench_seller_{i}",
            "groups_id": [Command.link(env.ref("sales_team.group_sale_salesman").id)],
        }
        for i in range(args.users)
    ]
)
teams = env["crm.team"].create(
    [
        {"name": f"Bench Team {t}", "member_ids": [Command.set(users[t :: args.teams].ids)]}
        for t in range(args.teams)
    ]
)
env.flush_all()
user_ids = users.ids
won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
open_stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
ticket_stage = env["crm.standard.ticket.stage"].search([("is_closed", "=", True)], limit=1)
sla = env["crm.standard.ticket.sla"].create(
    {"name": "Bench SLA", "response_hours": 4, "resolution_hours": 24}
)
comment = env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
ticket_model = env["ir.model"]._get_id("crm.standard.ticket")
params = {"n": args.n, "company": company.id, "users": user_ids, "nu": len(user_ids)}
cr.execute(
    """
    INSERT INTO res_partner (name, complete_name, is_company, active, type, lang,
                             is_crm_customer, customer_type, lifecycle_stage, customer_grade,
                             completeness_score, crm_health_band, user_id, crm_service_state,
                             company_id, create_uid, write_uid, create_date, write_date)
    SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE, TRUE, 'contact', 'en_US',
           TRUE, 'enterprise',
           (ARRAY['deal', 'repeat', 'churned', 'intent', 'potential'])[1 + g %% 5],
           (ARRAY['S', 'A', 'B', 'C'])[1 + g %% 4], (ARRAY[100, 80, 60, 100, 40])[1 + g %% 5],
           (ARRAY['healthy', 'watch', 'at_risk', 'new'])[1 + g %% 4],
           (%(users)s::int[])[1 + g %% %(nu)s], 'none',
           %(company)s, 1, 1, now() at time zone 'UTC' - interval '400 days',
           now() at time zone 'UTC'
      FROM generate_series(1, %(n)s) g
""",
    params,
)
cr.execute(
    "UPDATE res_partner SET commercial_partner_id = id "
    "WHERE commercial_partner_id IS NULL AND name LIKE 'Bench Customer %%'"
)
cr.execute(
    """
    INSERT INTO crm_lead (name, type, partner_id, crm_commercial_partner_id, stage_id,
                          probability, date_closed, active, company_id, user_id, team_id,
                          create_uid, write_uid, create_date, write_date)
    SELECT 'Bench lead ' || p.id || '/' || k, 'opportunity', p.id, p.id,
           CASE WHEN k = 1 THEN %(won)s ELSE %(open)s END,
           CASE WHEN k = 1 THEN 100 WHEN k = 2 THEN 0 ELSE 30 END,
           CASE WHEN k < 3 THEN now() at time zone 'UTC' - random() * interval '90 days' END,
           k != 2 OR p.id %% 3 = 0, %(company)s, p.user_id, u.sale_team_id, 1, 1,
           now() at time zone 'UTC' - random() * interval '90 days', now() at time zone 'UTC'
      FROM res_partner p JOIN res_users u ON u.id = p.user_id, generate_series(1, 3) k
     WHERE p.name LIKE 'Bench Customer %%'
""",
    {**params, "won": won_stage.id, "open": open_stage.id},
)
cr.execute(
    """
    INSERT INTO mail_message (model, res_id, message_type, subtype_id, body, date, author_id,
                              create_uid, write_uid, create_date, write_date)
    SELECT 'crm.lead', l.id, 'comment', %(comment)s, '<p>Hello</p>',
           l.create_date + random() * interval '48 hours', u.partner_id,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM crm_lead l JOIN res_users u ON u.id = l.user_id
     WHERE l.name LIKE 'Bench lead %%/3'
""",
    {"comment": comment},
)
cr.execute(
    """
    INSERT INTO crm_standard_ticket (number, name, partner_id, commercial_partner_id, company_id,
                                     ticket_type, priority, channel, stage_id, is_closed,
                                     date_received, first_response_date, first_response_hours,
                                     sla_id, sla_status, solve_date, user_id, active,
                                     create_uid, write_uid, create_date, write_date)
    SELECT 'BK' || p.id, 'Bench ticket', p.id, p.id, %(company)s, 'inquiry', '1', 'phone',
           %(stage)s, TRUE, r.received, r.received + interval '3 hours',
           round((random() * 8)::numeric, 2), %(sla)s,
           CASE WHEN p.id %% 7 = 0 THEN 'breached' ELSE 'on_track' END,
           r.received + interval '1 day', p.user_id, TRUE,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p
     CROSS JOIN LATERAL (SELECT now() at time zone 'UTC' - random() * interval '90 days'
                                + p.id * interval '0 seconds' AS received) r
     WHERE p.name LIKE 'Bench Customer %%'
""",
    {**params, "stage": ticket_stage.id, "sla": sla.id},
)
cr.execute(
    """
    INSERT INTO rating_rating (res_model_id, res_model, res_id, partner_id, rating, consumed,
                               access_token, create_uid, write_uid, create_date, write_date)
    SELECT %(model)s, 'crm.standard.ticket', t.id, t.partner_id,
           (ARRAY[1, 3, 5, 5])[1 + t.id %% 4], TRUE, md5(t.id::text),
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM crm_standard_ticket t WHERE t.name = 'Bench ticket' AND t.id %% 2 = 0
""",
    {"model": ticket_model},
)
partner = env["res.partner"].search([("name", "=", "Bench Customer 1")])
# reminders: unique per (step, due date), 80 due dates a step
reminders = args.n // 2
plan = env["crm.standard.followup.plan"].create(
    {
        "partner_id": partner.id,
        "step_ids": [
            Command.create(
                {
                    "name": f"Call {i}",
                    "channel": "call",
                    "cadence_count": 1,
                    "cadence_unit": "months",
                }
            )
            for i in range(reminders // 80 + 1)
        ],
    }
)
env.flush_all()
cr.execute(
    """
    INSERT INTO crm_standard_followup_reminder (step_id, plan_id, partner_id, company_id,
                                                user_id, due_date, date, state, date_done,
                                                create_uid, write_uid, create_date, write_date)
    SELECT (%(steps)s::int[])[1 + p.rn / 80], %(plan)s, p.id, %(company)s, p.user_id,
           d.due, d.due - 3,
           CASE WHEN p.id %% 4 = 0 THEN 'open' ELSE 'done' END,
           CASE WHEN p.id %% 4 != 0 THEN d.due + (p.id %% 3 - 1) END,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM (SELECT id, user_id, row_number() OVER (ORDER BY id) - 1 AS rn
              FROM res_partner WHERE name LIKE 'Bench Customer %%' AND id %% 2 = 0) p
     CROSS JOIN LATERAL (SELECT current_date - (p.rn %% 80)::int AS due) d
""",
    {**params, "steps": plan.step_ids.ids, "plan": plan.id},
)
cr.execute(
    """
    INSERT INTO crm_standard_pool_claim (partner_id, user_id, date, company_id,
                                         create_uid, write_uid, create_date, write_date)
    SELECT p.id, p.user_id, current_date - (p.id %% 60), %(company)s,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p WHERE p.name LIKE 'Bench Customer %%' AND p.id %% 10 = 0
""",
    params,
)
# one KPI per measure and scope
vals_list = []
for measure, spec in Kpi._crm_kpi_measures().items():
    base = {
        "measure": measure,
        "unit": spec["unit"],
        "direction": spec["direction"],
        "baseline_mode": "manual",
        "target_input": 50,
        "period": "quarter",
    }
    vals_list.append({**base, "name": f"Bench {measure}", "scope": "company"})
    vals_list += [
        {**base, "name": f"Bench {measure} {team.name}", "scope": "team", "team_id": team.id}
        for team in teams
    ]
    vals_list += [
        {**base, "name": f"Bench {measure} {user.name}", "scope": "user", "user_id": user.id}
        for user in users
    ]
kpis = Kpi.create(vals_list)
cr.commit()
vacuum()
env.invalidate_all()
counts = {}
for table in TABLES:
    cr.execute(f"SELECT count(*) FROM {table}")
    counts[table] = cr.fetchone()[0]
print(
    f"N = {args.n} customers, {counts['crm_lead']} leads, {counts['crm_standard_ticket']} "
    f"tickets, {counts['rating_rating']} ratings, {counts['mail_message']} messages, "
    f"{counts['crm_standard_followup_reminder']} reminders, "
    f"{counts['crm_standard_pool_claim']} claims; {len(kpis)} KPIs "
    f"(generated in {time.perf_counter() - t0:.1f} s)"
)

# -- floor -----------------------------------------------------------------
today = fields.Date.context_today(Kpi)
quarter = today.replace(day=1, month=3 * ((today.month - 1) // 3) + 1)
start = datetime.combine(quarter, datetime.min.time())
end = datetime.combine(today + timedelta(days=1), datetime.min.time())
CUSTOMERS = (
    "FROM res_partner p LEFT JOIN res_users su ON su.id = p.user_id "
    "WHERE p.active AND p.is_crm_customer AND p.parent_id IS NULL"
)
PARTNER_KEYS = "p.company_id AS c, su.sale_team_id AS t, p.user_id AS u"
TICKETS = (
    "FROM crm_standard_ticket t LEFT JOIN res_partner p ON p.id = t.commercial_partner_id "
    "LEFT JOIN res_users su ON su.id = p.user_id"
)
TICKET_KEYS = "t.company_id AS c, su.sale_team_id AS t, t.user_id AS u"
# per measure: the rows (c, t, u, num, den) of its documents
BASES = {
    "completeness_full": f"SELECT {PARTNER_KEYS}, "
    f"CASE WHEN p.completeness_score >= 100 THEN 100.0 ELSE 0 END AS num, 1 AS den {CUSTOMERS}",
    "completeness_avg": f"SELECT {PARTNER_KEYS}, COALESCE(p.completeness_score, 0) AS num, "
    f"1 AS den {CUSTOMERS}",
    "churn_rate": f"SELECT {PARTNER_KEYS}, "
    f"CASE WHEN p.lifecycle_stage = 'churned' THEN 100.0 ELSE 0 END, 1 {CUSTOMERS}",
    "at_risk_share": f"SELECT {PARTNER_KEYS}, "
    f"CASE WHEN p.crm_health_band = 'at_risk' THEN 100.0 ELSE 0 END, 1 {CUSTOMERS}",
    "grade_mix": f"SELECT {PARTNER_KEYS}, "
    f"CASE WHEN p.customer_grade IN ('S', 'A') THEN 100.0 ELSE 0 END, 1 {CUSTOMERS} "
    "AND p.customer_grade IS NOT NULL",
    "lead_conversion": "SELECT l.company_id, l.team_id, l.user_id, "
    "CASE WHEN l.active THEN 100.0 ELSE 0 END, 1 FROM crm_lead l "
    "JOIN crm_stage s ON s.id = l.stage_id WHERE l.date_closed >= %(start)s "
    "AND l.date_closed < %(end)s AND ((l.active AND s.is_won) OR (NOT l.active "
    "AND COALESCE(l.probability, 0) = 0))",
    "lead_first_response": "SELECT l.company_id, l.team_id, l.user_id, "
    "EXTRACT(EPOCH FROM f.first - l.create_date) / 3600.0, 1 FROM crm_lead l "
    "JOIN res_users u ON u.id = l.user_id JOIN (SELECT m.res_id, m.author_id, MIN(m.date) "
    "AS first FROM mail_message m LEFT JOIN mail_message_subtype st ON st.id = m.subtype_id "
    "WHERE m.model = 'crm.lead' AND (m.mail_activity_type_id IS NOT NULL OR "
    "(m.message_type IN ('comment', 'email') AND NOT COALESCE(st.internal, FALSE))) "
    "GROUP BY 1, 2) f ON f.res_id = l.id AND f.author_id = u.partner_id "
    "WHERE l.create_date >= %(start)s AND l.create_date < %(end)s",
    "ticket_first_response": f"SELECT {TICKET_KEYS}, t.first_response_hours, 1 {TICKETS} "
    "WHERE t.active AND t.first_response_date IS NOT NULL AND t.date_received >= %(start)s "
    "AND t.date_received < %(end)s",
    "sla_compliance": f"SELECT {TICKET_KEYS}, CASE WHEN t.sla_status = 'breached' THEN 0 "
    f"ELSE 100.0 END, 1 {TICKETS} WHERE t.active AND t.sla_id IS NOT NULL "
    "AND t.solve_date >= %(start)s AND t.solve_date < %(end)s",
    "satisfaction": f"SELECT {TICKET_KEYS}, r.rating, 1 {TICKETS} JOIN rating_rating r "
    "ON r.res_model = 'crm.standard.ticket' AND r.res_id = t.id WHERE r.consumed "
    "AND r.rating > 0 AND t.active AND t.date_received >= %(start)s "
    "AND t.date_received < %(end)s",
    "repurchase_rate": "SELECT p.company_id, su.sale_team_id, p.user_id, "
    "CASE WHEN w.n >= 2 THEN 100.0 ELSE 0 END, 1 FROM (SELECT l.crm_commercial_partner_id AS id, "
    "COUNT(*) AS n FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id AND s.is_won "
    "WHERE l.active AND l.type = 'opportunity' AND COALESCE(l.date_closed, l.create_date) "
    ">= %(end)s - INTERVAL '12 months' AND COALESCE(l.date_closed, l.create_date) < %(end)s "
    "GROUP BY 1) w JOIN res_partner p ON p.id = w.id "
    "LEFT JOIN res_users su ON su.id = p.user_id",
    "followup_on_time": "SELECT r.company_id, su.sale_team_id, r.user_id, "
    "CASE WHEN r.state = 'done' AND r.date_done <= r.due_date THEN 100.0 ELSE 0 END, 1 "
    "FROM crm_standard_followup_reminder r LEFT JOIN res_users su ON su.id = r.user_id "
    "WHERE r.state != 'cancelled' AND r.due_date >= %(dfrom)s AND r.due_date <= %(dto)s",
    "pool_claims": "SELECT c.company_id, su.sale_team_id, c.user_id, 1, NULL "
    "FROM crm_standard_pool_claim c JOIN res_users su ON su.id = c.user_id "
    "WHERE c.date >= %(dfrom)s AND c.date <= %(dto)s",
}
assert set(BASES) == set(Kpi._crm_kpi_measures())
floor_params = {"start": start, "end": end, "dfrom": quarter, "dto": today}
cr.execute("CREATE TABLE bench_kpi_floor (measure varchar, c int, t int, u int, value numeric)")
cr.commit()
t0 = time.perf_counter()
for measure, base in BASES.items():
    value = (
        "SUM(num)"
        if measure == "pool_claims"
        else "round((SUM(num) / NULLIF(SUM(den), 0))::numeric, 4)"
    )
    cr.execute(
        f"INSERT INTO bench_kpi_floor SELECT %(measure)s, c, t, u, {value} "
        f"FROM ({base}) AS b(c, t, u, num, den) "
        "GROUP BY GROUPING SETS ((c), (c, t), (c, u))",
        {**floor_params, "measure": measure},
    )
cr.commit()
floor = time.perf_counter() - t0
print(f"floor: one SQL statement per measure, every scope (GROUPING SETS): {floor:.2f} s")

# -- cron ------------------------------------------------------------------
t0 = time.perf_counter()
done = Kpi._cron_crm_kpi(domain=[("id", "in", kpis.ids)])
cr.commit()
cron = time.perf_counter() - t0
print(f"KPI cron end to end ({done} KPIs): {cron:.2f} s")
print(f"ratio cron / floor: {cron / floor:.2f} (goal <= 3)")
cr.execute(
    """
    SELECT count(*), count(*) FILTER (WHERE round(k.last_value::numeric, 2)
                                      = round(COALESCE(f.value, 0), 2))
      FROM crm_standard_kpi k
      JOIN bench_kpi_floor f ON f.measure = k.measure AND f.c = k.company_id
       AND ((k.scope = 'company' AND f.t IS NULL AND f.u IS NULL)
            OR (k.scope = 'team' AND f.t = k.team_id AND f.u IS NULL)
            OR (k.scope = 'user' AND f.u = k.user_id AND f.t IS NULL))
     WHERE k.id = ANY(%s)
    """,
    [kpis.ids],
)
total, same = cr.fetchone()
print(f"same figures as the floor: {same}/{total}")
cr.execute(
    "SELECT status, count(*) FROM crm_standard_kpi WHERE id = ANY(%s) GROUP BY 1 ORDER BY 1",
    [kpis.ids],
)
print("status: " + ", ".join(f"{status}={count}" for status, count in cr.fetchall()))
t0 = time.perf_counter()
again = Kpi._cron_crm_kpi(domain=[("id", "in", kpis.ids)])
print(f"second cron run (same day): {time.perf_counter() - t0:.2f} s, {again} KPIs computed")

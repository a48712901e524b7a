"""Volume for the load test, in the database given as ``env`` (set-based SQL).

Run by ``bench/load/run.py`` (through ``tools/devenv.py``'s bench runner) in
both databases of the run: crm_standard's, and a plain ``crm`` one (crm,
contacts, rating, resource) without crm_standard. The same rows in both; the
crm_standard columns (customer codes, owners, visibility keys, grades) and
its records (tickets, follow-up plans) only where the addon is installed.

Users: ``load_sales_<i>`` (salespeople), ``load_agent_<i>`` (service agents),
``load_manager_<i>`` (sales managers), each with its login as password.
"""

# A benchmark script, not addon code: SQL inserts and commits on purpose.
# pylint: disable=invalid-commit,protected-access
import argparse
import sys
import time

from odoo import Command, fields

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--customers", type=int, default=10000)
parser.add_argument("--leads", type=int, default=30000)
parser.add_argument("--tickets", type=int, default=5000)
parser.add_argument("--salespeople", type=int, default=20)
parser.add_argument("--agents", type=int, default=5)
parser.add_argument("--managers", type=int, default=2)
parser.add_argument("--plans", type=int, default=2000, help="approved follow-up plans")
parser.add_argument("--submitted", type=int, default=300, help="plans waiting for approval")
args = parser.parse_args(sys.argv[1:])
cr = env.cr
t0 = time.perf_counter()
STANDARD = "customer_code" in env["res.partner"]._fields
company = env.company
quiet = env["res.users"].with_context(no_reset_password=True, tracking_disable=True)


def required_defaults(model, given):
    """``(", col, ...", ", %(col)s, ...", {col: default})`` for the NOT NULL columns of
    ``model``'s table that ``given`` leaves out (fields added by other modules)."""
    Model = env[model]
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND column_name != 'id'",
        [Model._table],
    )
    missing = [c for (c,) in cr.fetchall() if c not in given and c in Model._fields]
    values = Model.default_get(missing)
    values = {c: values.get(c) if values.get(c) is not None else False for c in missing}
    return (
        "".join(f", {c}" for c in missing),
        "".join(f", %(d_{c})s" for c in missing),
        {f"d_{c}": v for c, v in values.items()},
    )


def group_ids(*xmlids):
    return [env.ref(x).id for x in xmlids if env.ref(x, raise_if_not_found=False)]


def make_users(prefix, count, groups):
    return quiet.create(
        [
            {
                "name": f"Load {prefix.title()} {i}",
                "login": f"load_{prefix}_{i}",
                "password": f"load_{prefix}_{i}",
                "email": f"load_{prefix}_{i}@example.com",
                "groups_id": [Command.set(groups)],
            }
            for i in range(count)
        ]
    )


sales = make_users("sales", args.salespeople, group_ids("sales_team.group_sale_salesman"))
agents = make_users(
    "agent",
    args.agents,
    group_ids("base.group_user", "crm_standard.group_crm_standard_service_agent"),
)
managers = make_users(
    "manager",
    args.managers,
    group_ids("sales_team.group_sale_manager", "crm_standard.group_crm_standard_service_manager"),
)
# loopback only: no IAP enrichment (it calls Odoo's servers)
cr.execute(
    "UPDATE ir_cron SET active = FALSE WHERE id IN (SELECT res_id FROM ir_model_data "
    "WHERE model = 'ir.cron' AND module LIKE '%%iap%%')"
)
if STANDARD:
    # the public pool on, with a claim limit the load reaches
    company.write({"crm_pool_enabled": True, "crm_pool_claim_limit": 5})
    # the agents answer the customer service team's tickets
    env.ref("crm_standard.ticket_team_customer_service").member_ids = [
        Command.link(agent.id) for agent in agents
    ]
env.flush_all()

# -- customers: 80 % owned by the salespeople, 20 % in the public pool; a
# tenth of the owned ones idle for a year (the pool release cron takes them)
n = args.customers
standard_cols = standard_vals = ""
if STANDARD:
    standard_cols = (
        ", is_crm_customer, customer_code, customer_type, lifecycle_stage, customer_grade, "
        "crm_owner_user_id, crm_visibility_restricted, crm_visibility_key, crm_owner_date"
    )
    standard_vals = (
        ", TRUE, 'LOAD' || lpad(g::text, 6, '0'), 'enterprise', 'potential', "
        "(ARRAY['S', 'A', 'B', 'C'])[1 + g %% 4], u, TRUE, COALESCE(u, -1), "
        "CASE WHEN u IS NOT NULL THEN (now() at time zone 'UTC')::date - "
        "CASE WHEN g %% 10 = 0 THEN 400 ELSE 10 END END"
    )
partner_cols = (
    "id, commercial_partner_id, name, complete_name, is_company, active, type, lang, email, "
    "phone, city, company_id, user_id, partner_share, create_uid, write_uid, create_date, "
    "write_date" + standard_cols
)
more_cols, more_vals, more = required_defaults("res.partner", partner_cols.split(", "))
cr.execute(
    f"""
    INSERT INTO res_partner ({partner_cols}{more_cols})
    SELECT id, id, 'Load Customer ' || g, 'Load Customer ' || g, TRUE, TRUE, 'contact', 'en_US',
           'customer' || g || '@example.com', '+86 21 5555 ' || lpad(g::text, 4, '0'),
           'Shanghai', %(company)s, u, TRUE, 1, 1,
           now() at time zone 'UTC' - CASE WHEN g %% 10 = 0 THEN interval '400 days'
                                           ELSE interval '10 days' END,
           now() at time zone 'UTC'{standard_vals}{more_vals}
      FROM (SELECT nextval('res_partner_id_seq') AS id, g,
                   CASE WHEN g %% 5 != 0 THEN (%(users)s::int[])[1 + g %% %(nusers)s] END AS u
              FROM generate_series(1, %(n)s) g) s
    """,
    {"n": n, "company": company.id, "users": sales.ids, "nusers": len(sales), **more},
)
# -- leads: opportunities of the owned customers (the idle ones have none),
# leads for the pool ones, spread over the stages
stages = env["crm.stage"].search([], order="sequence, id")
open_stages = stages.filtered(lambda s: not s.is_won)
won = stages.filtered("is_won")[:1]
lead_cols = lead_vals = ""
if STANDARD:
    lead_cols, lead_vals = ", crm_commercial_partner_id", ", p.id"
lead_given = (
    "name, type, partner_id, user_id, team_id, stage_id, expected_revenue, probability, "
    "date_closed, active, company_id, contact_name, email_from, create_uid, write_uid, "
    "create_date, write_date, date_last_stage_update, date_open" + lead_cols
)
more_cols, more_vals, more = required_defaults("crm.lead", lead_given.split(", "))
cr.execute(
    f"""
    INSERT INTO crm_lead ({lead_given}{more_cols})
    SELECT 'Load deal ' || p.id || '/' || k,
           CASE WHEN p.user_id IS NULL THEN 'lead' ELSE 'opportunity' END, p.id, p.user_id,
           %(team)s, CASE WHEN k = 3 THEN %(won)s ELSE (%(open)s::int[])[1 + (p.id + k) %% %(nopen)s]
                     END,
           round((random() * 100000)::numeric, 2), CASE WHEN k = 3 THEN 100 ELSE 20 END,
           CASE WHEN k = 3 THEN now() at time zone 'UTC' - interval '30 days' END, TRUE,
           %(company)s, 'Contact ' || p.id, p.email, 1, 1,
           now() at time zone 'UTC' - interval '20 days', now() at time zone 'UTC',
           now() at time zone 'UTC', now() at time zone 'UTC'{lead_vals}{more_vals}
      FROM res_partner p, generate_series(1, 4) k
     WHERE p.name LIKE 'Load Customer %%'
       AND p.create_date > now() at time zone 'UTC' - interval '100 days'
     ORDER BY p.id, k
     LIMIT %(leads)s
    """,
    {
        "team": env.ref("sales_team.team_sales_department").id,
        "won": won.id,
        "open": open_stages.ids,
        "nopen": len(open_stages),
        "company": company.id,
        "leads": args.leads,
        **more,
    },
)
print(f"customers and leads inserted ({time.perf_counter() - t0:.1f} s)", flush=True)

if STANDARD:
    today = fields.Date.context_today(env["res.partner"])
    call = env.ref("mail.mail_activity_data_call")
    manager = managers[:1] or env.ref("base.user_admin")
    # approved plans of two steps, due today: the reminder cron makes their activities
    cr.execute(
        """
        INSERT INTO crm_standard_followup_plan
               (name, partner_id, company_id, state, user_id, approver_id, grade, date_start,
                touch_limit, touch_period, approval_date, create_uid, write_uid, create_date,
                write_date)
        SELECT 'Follow-up ' || p.name, p.id, p.company_id, 'approved', p.user_id, %(manager)s,
               p.customer_grade, %(today)s, 0, 'month', now() at time zone 'UTC', 1, 1,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM res_partner p WHERE p.name LIKE 'Load Customer %%' AND p.user_id IS NOT NULL
         ORDER BY p.id LIMIT %(plans)s
        """,
        {"manager": manager.id, "today": today, "plans": args.plans},
    )
    cr.execute(
        """
        INSERT INTO crm_standard_followup_plan_step
               (plan_id, company_id, partner_id, plan_state, sequence, name, channel,
                activity_type_id, responsible_mode, user_id, cadence_count, cadence_unit,
                next_due_date, done, create_uid, write_uid, create_date, write_date)
        SELECT pl.id, pl.company_id, pl.partner_id, pl.state, seq, 'Step ' || seq, 'call',
               %(call)s, 'salesperson', pl.user_id, 2, 'weeks', %(today)s, FALSE, 1, 1,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM crm_standard_followup_plan pl, generate_series(1, 2) seq
         WHERE pl.name LIKE 'Follow-up Load Customer %%'
        """,
        {"call": call.id, "today": today},
    )
    cr.commit()
    env.invalidate_all()
    # plans waiting for a manager's approval, through the ORM (review activities)
    Plan = env["crm.standard.followup.plan"].with_context(
        tracking_disable=True, mail_create_nosubscribe=True
    )
    cr.execute(
        """
        SELECT p.id, p.user_id FROM res_partner p
         WHERE p.name LIKE 'Load Customer %%' AND p.user_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM crm_standard_followup_plan pl WHERE pl.partner_id = p.id)
         ORDER BY p.id LIMIT %s
        """,
        [args.submitted],
    )
    plans = Plan.create(
        [
            {
                "name": f"Load plan {partner_id}",
                "partner_id": partner_id,
                "user_id": user_id,
                "step_ids": [
                    Command.create(
                        {
                            "name": "Call",
                            "channel": "call",
                            "activity_type_id": call.id,
                            "cadence_count": 2,
                            "cadence_unit": "weeks",
                        }
                    )
                ],
            }
            for partner_id, user_id in cr.fetchall()
        ]
    )
    plans.action_submit()
    print(f"{len(plans)} plans submitted ({time.perf_counter() - t0:.1f} s)", flush=True)
    # tickets through the ORM (numbers, deadlines, SLA), a third solved
    Ticket = env["crm.standard.ticket"].with_context(
        tracking_disable=True, mail_create_nosubscribe=True, mail_notrack=True
    )
    solved = env.ref("crm_standard.ticket_stage_solved")
    cr.execute(
        "SELECT id FROM res_partner WHERE name LIKE 'Load Customer %%' ORDER BY id LIMIT %s",
        [args.tickets],
    )
    customer_ids = [r[0] for r in cr.fetchall()]
    for start in range(0, args.tickets, 1000):
        Ticket.create(
            [
                {
                    "name": f"Load ticket {i}",
                    "partner_id": customer_ids[i % len(customer_ids)],
                    "ticket_type": ("inquiry", "complaint", "repair")[i % 3]
                    if "repair" in dict(Ticket._fields["ticket_type"].selection)
                    else "inquiry",
                    "user_id": agents[i % len(agents)].id if agents else False,
                    **({"stage_id": solved.id} if i % 3 == 0 else {}),
                }
                for i in range(start, min(start + 1000, args.tickets))
            ]
        )
        env.flush_all()
        cr.commit()
    print(f"{args.tickets} tickets created ({time.perf_counter() - t0:.1f} s)", flush=True)
cr.commit()
cr.execute("ANALYZE")
counts = {}
for table in ("res_partner", "crm_lead", "crm_standard_ticket", "crm_standard_followup_plan"):
    cr.execute("SELECT to_regclass(%s)", [table])
    if cr.fetchone()[0]:
        cr.execute(f"SELECT count(*) FROM {table}")  # pylint: disable=sql-injection
        counts[table] = cr.fetchone()[0]
print(
    f"{'crm_standard' if STANDARD else 'plain crm'}: {counts}, "
    f"{len(sales)} salespeople, {len(agents)} agents, {len(managers)} managers "
    f"({time.perf_counter() - t0:.1f} s)"
)

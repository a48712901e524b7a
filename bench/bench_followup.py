"""Benchmark: the follow-up reminder cron against a bare mail.activity.create.

Run with the harness (fresh database, crm_standard installed, global ``env``)::

    make bench ARGS="bench/bench_followup.py"

It creates N approved follow-up plans (one step each, set-based SQL) of which
D have a step due today, then in the same run measures

* the floor: the same D activities (same values, same context) made by one
  bare batched ``mail.activity.create``, then rolled back;
* the reminder cron end to end
  (``crm.standard.followup.reminder._cron_crm_send_reminders``: claim with
  ``FOR NO KEY UPDATE SKIP LOCKED``, touch-limit counts, ``INSERT ... ON
  CONFLICT DO NOTHING`` of the reminder rows, the batched activity creation,
  the links, progress per batch),

checks that the cron made D activities, and prints both times and the ratio
(goal: ratio <= 1.5). A second cron run shows the idempotent case (nothing new).
"""

# A benchmark script, not addon code: it calls private methods on purpose.
# pylint: disable=protected-access
import argparse
import sys
import time

from odoo import fields

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--plans", type=int, default=50000, help="approved plans")
parser.add_argument("--due", type=int, default=10000, help="plans with a step due today")
parser.add_argument("--users", type=int, default=20, help="salespeople")
parser.add_argument("--batch-size", type=int, default=1000, help="cron batch size")
args = parser.parse_args(sys.argv[1:])
cr = env.cr


# -- data ------------------------------------------------------------------
t0 = time.perf_counter()
today = fields.Date.context_today(env["res.partner"])
company = env.company
users = (
    env["res.users"]
    .with_context(no_reset_password=True)
    .create(
        [
            {
                "name": f"Bench Sales {i}",
                "login": f"bench_sales_{i}",
                "groups_id": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
            }
            for i in range(args.users)
        ]
    )
)
manager = env.ref("base.user_admin")
user_ids = users.ids
print(f"  users ({time.perf_counter() - t0:.1f} s)")
call = env.ref("mail.mail_activity_data_call")
cr.execute("SELECT COALESCE(max(id), 0) FROM res_partner")
first_id = cr.fetchone()[0]
cr.execute(
    """
    WITH ids AS (SELECT nextval('res_partner_id_seq') AS id, g FROM generate_series(1, %(n)s) g)
    INSERT INTO res_partner (id, commercial_partner_id, name, complete_name, is_company, active,
                             type, lang, is_crm_customer, lifecycle_stage, customer_grade, user_id,
                             company_id, create_uid, write_uid, create_date, write_date, crm_service_state)
    SELECT id, id, 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE, TRUE, 'contact', 'en_US',
           TRUE, 'deal', 'B', (%(users)s::int[])[1 + g %% %(n_users)s], %(company)s, 1, 1,
           now() at time zone 'UTC', now() at time zone 'UTC', 'none'
      FROM ids
""",
    {
        "users": user_ids,
        "n_users": len(user_ids),
        "company": company.id,
        "n": args.plans,
    },
)
print(f"  commercial partners ({time.perf_counter() - t0:.1f} s)")
cr.execute(
    """
    INSERT INTO crm_standard_followup_plan
           (name, partner_id, company_id, state, user_id, approver_id, grade, date_start,
            touch_limit, touch_period, approval_date, create_uid, write_uid, create_date, write_date)
    SELECT 'Follow-up ' || p.name, p.id, p.company_id, 'approved', p.user_id, %(manager)s, 'B',
           %(today)s, 4, 'month', now() at time zone 'UTC', 1, 1,
           now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p WHERE p.id > %(first)s ORDER BY p.id
""",
    {"manager": manager.id, "today": today, "first": first_id},
)
print(f"  plans ({time.perf_counter() - t0:.1f} s)")
cr.execute(
    """
    INSERT INTO crm_standard_followup_plan_step
           (plan_id, company_id, partner_id, plan_state, sequence, name, note, channel,
            activity_type_id, responsible_mode, user_id, cadence_count, cadence_unit,
            next_due_date, done, create_uid, write_uid, create_date, write_date)
    SELECT pl.id, pl.company_id, pl.partner_id, 'approved', 10, 'Biweekly e-mail',
           '<p>Standard materials</p>', 'call', %(call)s, 'salesperson', pl.user_id, 2, 'weeks',
           CASE WHEN row_number() OVER (ORDER BY pl.id) <= %(due)s
                THEN %(today)s::date ELSE %(today)s::date + 1 + (pl.id %% 13) END,
           FALSE, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM crm_standard_followup_plan pl
""",
    {"call": call.id, "today": today, "due": args.due},
)
cr.execute("""UPDATE crm_standard_followup_plan pl SET next_due_date = s.next_due_date
                FROM crm_standard_followup_plan_step s WHERE s.plan_id = pl.id""")
print(f"  steps ({time.perf_counter() - t0:.1f} s)")
cr.execute("ANALYZE")
cr.commit()
env.invalidate_all()
print(
    f"data: {args.plans} approved plans, {args.due} due today, {len(user_ids)} salespeople "
    f"({time.perf_counter() - t0:.1f} s)"
)

Reminder = env["crm.standard.followup.reminder"]
context = Reminder._crm_activity_context()

# -- floor: the same activities with one bare batched create -----------------
cr.execute(
    """
    SELECT s.plan_id, p.partner_id, s.activity_type_id, s.name, s.note, s.user_id, s.next_due_date
      FROM crm_standard_followup_plan_step s JOIN crm_standard_followup_plan p ON p.id = s.plan_id
     WHERE s.next_due_date <= %s ORDER BY s.next_due_date, s.plan_id, s.sequence, s.id
""",
    [today],
)
due_rows = cr.fetchall()
model_id = env["ir.model"]._get_id("res.partner")
vals_list = [
    {
        "res_model_id": model_id,
        "res_id": partner_id,
        "activity_type_id": type_id,
        "summary": name,
        "note": note,
        "user_id": user_id,
        "date_deadline": due,
    }
    for _plan, partner_id, type_id, name, note, user_id, due in due_rows
]
# warm-up of the registry caches for both measures, rolled back
env["mail.activity"].sudo().with_context(**context).create(vals_list[:50])
env.flush_all()
cr.rollback()
env.invalidate_all()
t0 = time.perf_counter()
activities = env["mail.activity"].sudo().with_context(**context).create(vals_list)
env.flush_all()
bare = time.perf_counter() - t0
print(
    f"bare mail.activity.create: {len(activities)} activities in {bare:.2f} s (context {context})"
)
cr.rollback()
env.invalidate_all()

# the same, with the customers' names read in one query first (as the cron does)
t0 = time.perf_counter()
env["res.partner"].browse({vals["res_id"] for vals in vals_list}).mapped("display_name")
activities = env["mail.activity"].sudo().with_context(**context).create(vals_list)
env.flush_all()
bare_prefetch = time.perf_counter() - t0
print(
    f"bare mail.activity.create after one read of the names: {len(activities)} activities "
    f"in {bare_prefetch:.2f} s"
)
cr.rollback()
env.invalidate_all()

# -- the cron ---------------------------------------------------------------
t0 = time.perf_counter()
reminders = Reminder._cron_crm_send_reminders(
    batch_size=args.batch_size, max_batches=args.due // args.batch_size + 1
)
env.flush_all()
cron = time.perf_counter() - t0
cr.execute("SELECT count(*) FROM mail_activity WHERE res_model = 'res.partner'")
made = cr.fetchone()[0]
print(
    f"reminder cron: {len(reminders)} reminders, {made} activities in {cron:.2f} s "
    f"(batches of {args.batch_size})"
)
assert len(reminders) == made == args.due, (len(reminders), made, args.due)
cr.commit()

t0 = time.perf_counter()
again = Reminder._cron_crm_send_reminders(batch_size=args.batch_size)
env.flush_all()
print(
    f"second cron run (idempotent): {len(again)} new reminders in {time.perf_counter() - t0:.2f} s"
)
floor = min(bare, bare_prefetch)
ratio = cron / floor
print(
    f"RESULT bare {bare:.2f} s (names read first: {bare_prefetch:.2f} s), cron {cron:.2f} s, "
    f"ratio cron / fastest bare {ratio:.2f} (goal <= 1.5): {'OK' if ratio <= 1.5 else 'ABOVE GOAL'}"
)

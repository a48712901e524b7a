"""Benchmark: the Transfer Customers wizard against a bare ORM write.

Run with the harness (fresh database, crm_standard installed, global ``env``)::

    make bench ARGS="bench/bench_transfer.py"

It creates N customers of one salesperson (set-based SQL), each with an
approved follow-up plan of two steps and the two open reminder activities of
those steps (2 N activities), then in the same run measures

* the floor: a bare ORM ``write({'user_id': colleague})`` of the same
  customers and of the same activities, as a manager's mass edit does it,
  then rolled back;
* the wizard (``crm.standard.customer.transfer``): customers, open plans and
  their activities to one colleague, in batches (as the scheduled action runs
  it, without its commits), with the chatter notes and the summary,

checks that everything moved and prints both times and the ratio
(goal: ratio <= 1.5).
"""

# A benchmark script, not addon code: it calls private methods on purpose.
# pylint: disable=protected-access
import argparse
import sys
import time

from odoo import fields

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--customers", type=int, default=10000, help="customers to transfer")
parser.add_argument("--batch-size", type=int, default=1000, help="wizard batch size")
args = parser.parse_args(sys.argv[1:])
cr = env.cr

# -- data ------------------------------------------------------------------
t0 = time.perf_counter()
today = fields.Date.context_today(env["res.partner"])
company = env.company
salesman = env.ref("sales_team.group_sale_salesman")
leaving, colleague = (
    env["res.users"]
    .with_context(no_reset_password=True)
    .create(
        [
            {"name": name, "login": login, "groups_id": [(6, 0, [salesman.id])]}
            for name, login in (("Bench Leaving", "bench_leaving"), ("Bench Colleague", "bench_to"))
        ]
    )
)
manager = env.ref("base.user_admin")
call = env.ref("mail.mail_activity_data_call")
cr.execute("SELECT COALESCE(max(id), 0) FROM res_partner")
first_id = cr.fetchone()[0]
cr.execute(
    """
    WITH ids AS (SELECT nextval('res_partner_id_seq') AS id, g FROM generate_series(1, %(n)s) g)
    INSERT INTO res_partner (id, commercial_partner_id, name, complete_name, is_company, active,
                             type, lang, is_crm_customer, customer_code, lifecycle_stage,
                             customer_grade, user_id, crm_owner_user_id, crm_visibility_restricted,
                             crm_visibility_key, partner_share, company_id, create_uid, write_uid,
                             create_date, write_date, crm_service_state)
    SELECT id, id, 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE, TRUE, 'contact', 'en_US',
           TRUE, 'BENCH' || g, 'deal', (ARRAY['S', 'A', 'B', 'C'])[1 + g %% 4], %(user)s,
           %(user)s, TRUE, %(user)s, TRUE, %(company)s, 1, 1,
           now() at time zone 'UTC', now() at time zone 'UTC', 'none'
      FROM ids
""",
    {"user": leaving.id, "company": company.id, "n": args.customers},
)
cr.execute(
    """
    INSERT INTO crm_standard_followup_plan
           (name, partner_id, company_id, state, user_id, approver_id, grade, date_start,
            touch_limit, touch_period, approval_date, create_uid, write_uid, create_date, write_date)
    SELECT 'Follow-up ' || p.name, p.id, p.company_id, 'approved', p.user_id, %(manager)s, 'B',
           %(today)s, 0, 'month', now() at time zone 'UTC', 1, 1,
           now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p WHERE p.id > %(first)s ORDER BY p.id
""",
    {"manager": manager.id, "today": today, "first": first_id},
)
cr.execute(
    """
    INSERT INTO crm_standard_followup_plan_step
           (plan_id, company_id, partner_id, plan_state, sequence, name, channel,
            activity_type_id, responsible_mode, user_id, cadence_count, cadence_unit,
            next_due_date, done, create_uid, write_uid, create_date, write_date)
    SELECT pl.id, pl.company_id, pl.partner_id, 'approved', seq, 'Step ' || seq, 'call', %(call)s,
           'salesperson', pl.user_id, 2, 'weeks', %(today)s, FALSE, 1, 1,
           now() at time zone 'UTC', now() at time zone 'UTC'
      FROM crm_standard_followup_plan pl, generate_series(1, 2) seq
""",
    {"call": call.id, "today": today},
)
cr.execute("ANALYZE")
cr.commit()
env.invalidate_all()
# the reminder cron makes the 2 N activities of the leaving salesperson
env["crm.standard.followup.reminder"]._cron_crm_send_reminders(
    batch_size=5000, max_batches=2 * args.customers // 5000 + 1
)
env.flush_all()
cr.execute("ANALYZE")
cr.commit()
env.invalidate_all()
partner_ids = env["res.partner"].search([("id", ">", first_id)]).ids
activity_ids = (
    env["mail.activity"]
    .search([("res_model", "=", "res.partner"), ("user_id", "=", leaving.id)])
    .ids
)
print(
    f"data: {len(partner_ids)} customers, {args.customers} approved plans, "
    f"{len(activity_ids)} reminder activities ({time.perf_counter() - t0:.1f} s)"
)
assert len(activity_ids) == 2 * args.customers, len(activity_ids)

Partner = env["res.partner"].with_user(manager)
Activity = env["mail.activity"].with_user(manager)

# warm-up of the registry caches for both measures, rolled back
Partner.browse(partner_ids[:20]).write({"user_id": colleague.id})
Activity.browse(activity_ids[:20]).write({"user_id": colleague.id})
env.flush_all()
cr.rollback()
env.invalidate_all()

# -- floor: a bare ORM write of the customers and of the activities ----------
t0 = time.perf_counter()
Partner.browse(partner_ids).write({"user_id": colleague.id})
Activity.browse(activity_ids).write({"user_id": colleague.id})
env.flush_all()
cr.precommit.run()  # tracking messages are written before the commit
env.flush_all()
bare = time.perf_counter() - t0
print(f"bare ORM write of customers + activities: {bare:.2f} s")
cr.rollback()
env.invalidate_all()

# the same, quiet (no tracking message nor follower per record): a lower floor
t0 = time.perf_counter()
quiet = {"tracking_disable": True, "mail_activity_quick_update": True}
Partner.with_context(**quiet).browse(partner_ids).write({"user_id": colleague.id})
Activity.with_context(**quiet).browse(activity_ids).write({"user_id": colleague.id})
env.flush_all()
bare_quiet = time.perf_counter() - t0
print(f"bare ORM write, tracking disabled: {bare_quiet:.2f} s")
cr.rollback()
env.invalidate_all()

# -- the wizard ----------------------------------------------------------------
t0 = time.perf_counter()
wizard = (
    env["crm.standard.customer.transfer"]
    .with_user(manager)
    .create(
        {
            "user_from_id": leaving.id,
            "user_to_ids": [(6, 0, [colleague.id])],
            "distribution": "one",
        }
    )
)
wizard._crm_transfer_run(batch_size=args.batch_size)
env.flush_all()
cr.precommit.run()
env.flush_all()
transfer = time.perf_counter() - t0
cr.execute(
    "SELECT count(*) FROM res_partner WHERE id > %s AND user_id = %s", [first_id, colleague.id]
)
moved = cr.fetchone()[0]
cr.execute(
    "SELECT count(*) FROM mail_activity WHERE id IN %s AND user_id = %s",
    [tuple(activity_ids), colleague.id],
)
moved_activities = cr.fetchone()[0]
cr.execute(
    "SELECT count(*) FROM crm_standard_followup_plan WHERE user_id = %s AND state = 'approved'",
    [colleague.id],
)
moved_plans = cr.fetchone()[0]
print(
    f"transfer wizard: {moved} customers, {moved_plans} plans, {moved_activities} activities "
    f"in {transfer:.2f} s (batches of {args.batch_size})"
)
assert moved == len(partner_ids) and moved_activities == len(activity_ids), (
    moved,
    moved_activities,
)
assert moved_plans == args.customers, moved_plans
cr.rollback()

ratio = transfer / bare
print(f"ratio transfer / bare ORM write: {ratio:.2f} (goal <= 1.5)")
print(f"ratio transfer / quiet bare write: {transfer / bare_quiet:.2f} (for information)")

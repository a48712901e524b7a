"""Benchmark: the customer health cron against a set-based SQL floor.

Run with the harness (fresh database, crm_standard installed, global ``env``)::

    make bench ARGS="bench/bench_health.py --n 100000"

It creates N customers (a contact each, grades S/A/B/C, created 400 days ago)
with won and open opportunities over 24 months, tickets (complaints, SLA
breaches), ratings and done activities (set-based SQL inserts), then measures

* the floor: ONE SQL statement computing the same five sub-scores, the
  weighted score (weights of the factors without data spread over the
  others), the band, writing them with one UPDATE and the snapshot rows with
  one INSERT;
* the health cron end to end (``res.partner._cron_crm_health``: batches,
  locking, one query per factor, explanations, snapshots, progress, commits),

checks that both give the same scores, and prints both times, the ratio (goal:
ratio <= 3) and the snapshot rows written. A second cron run shows the
idempotent daily case. Retention plans are left out by default (the floor has
none); ``--with-retention`` proposes them to the customers entering at risk.
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
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.sql_db import Cursor, db_connect

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--n", type=int, default=100000, help="number of customers")
parser.add_argument("--batch-size", type=int, default=5000, help="cron batch size (its default)")
parser.add_argument(
    "--with-retention", action="store_true", help="propose retention plans (at-risk customers)"
)
parser.add_argument("--profile", action="store_true", help="print the SQL time per statement")
args = parser.parse_args(sys.argv[1:])
Partner = env["res.partner"]
if not args.with_retention:
    Partner = Partner.with_context(crm_skip_retention=True)
cr = env.cr
TABLES = (
    "res_partner",
    "crm_lead",
    "crm_standard_ticket",
    "rating_rating",
    "mail_message",
    "crm_standard_health_snapshot",
)


def vacuum():
    with db_connect(cr.dbname).cursor() as vcr:
        vcr._cnx.autocommit = True
        for table in TABLES:
            vcr._obj.execute(f"VACUUM ANALYZE {table}")


# -- data ------------------------------------------------------------------
t0 = time.perf_counter()
company = env.company
won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
open_stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
ticket_stage = env["crm.standard.ticket.stage"].search([("is_closed", "=", False)], limit=1)
closed_stage = env["crm.standard.ticket.stage"].search([("is_closed", "=", True)], limit=1)
call = env.ref("mail.mail_activity_data_call")
ticket_model = env["ir.model"]._get_id("crm.standard.ticket")
cr.execute(
    """
    INSERT INTO res_partner (name, complete_name, is_company, active, type, lang,
                             is_crm_customer, customer_type, lifecycle_stage, customer_grade,
                             company_id, create_uid, write_uid, create_date, write_date, crm_service_state)
    SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE, TRUE, 'contact', 'en_US',
           TRUE, 'enterprise', 'repeat', (ARRAY['S', 'A', 'B', 'C'])[1 + g %% 4], %(company)s,
           1, 1, now() at time zone 'UTC' - interval '400 days', now() at time zone 'UTC', 'none'
      FROM generate_series(1, %(n)s) g
""",
    {"n": args.n, "company": company.id},
)
cr.execute(
    "UPDATE res_partner SET commercial_partner_id = id "
    "WHERE commercial_partner_id IS NULL AND name LIKE 'Bench Customer %%'"
)
# one contact per customer: ratings and messages come from it
cr.execute(
    """
    INSERT INTO res_partner (name, complete_name, parent_id, commercial_partner_id, active,
                             type, lang, lifecycle_stage, company_id, create_uid, write_uid,
                             create_date, write_date, crm_service_state)
    SELECT 'Contact of ' || p.id, 'Contact of ' || p.id, p.id, p.id, TRUE, 'contact', 'en_US',
           'potential', %(company)s, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC', 'none'
      FROM res_partner p WHERE p.name LIKE 'Bench Customer %%'
""",
    {"company": company.id},
)
# two won deals somewhere in the last 24 months, an open one for a third
cr.execute(
    """
    INSERT INTO crm_lead (name, type, partner_id, crm_commercial_partner_id, stage_id,
                          expected_revenue, probability, date_closed, active, company_id,
                          create_uid, write_uid, create_date, write_date)
    SELECT 'Bench deal ' || p.id || '/' || k, 'opportunity', p.id, p.id,
           CASE WHEN k < 3 THEN %(won)s ELSE %(open)s END,
           round((random() * 100000)::numeric, 2), CASE WHEN k < 3 THEN 100 ELSE 30 END,
           CASE WHEN k < 3 THEN now() at time zone 'UTC' - random() * interval '720 days' END,
           TRUE, %(company)s, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p, generate_series(1, 3) k
     WHERE p.name LIKE 'Bench Customer %%' AND (k < 3 OR p.id %% 3 = 0)
""",
    {"won": won_stage.id, "open": open_stage.id, "company": company.id},
)
# tickets for half the customers: an open complaint for some, breaches for others
cr.execute(
    """
    INSERT INTO crm_standard_ticket (number, name, partner_id, commercial_partner_id, company_id,
                                     ticket_type, priority, channel, stage_id, is_closed,
                                     date_received, sla_status, active, create_uid, write_uid,
                                     create_date, write_date)
    SELECT 'B' || c.id || '/' || k, 'Bench ticket', c.id, c.parent_id, %(company)s,
           CASE WHEN k = 1 AND c.id %% 5 = 0 THEN 'complaint' ELSE 'inquiry' END, '1', 'phone',
           CASE WHEN k = 1 AND c.id %% 5 = 0 THEN %(open)s ELSE %(closed)s END,
           NOT (k = 1 AND c.id %% 5 = 0),
           now() at time zone 'UTC' - random() * interval '200 days',
           CASE WHEN c.id %% 7 = 0 THEN 'breached' ELSE 'on_track' END,
           TRUE, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner c, generate_series(1, 2) k
     WHERE c.name LIKE 'Contact of %%' AND c.id %% 2 = 0
""",
    {"company": company.id, "open": ticket_stage.id, "closed": closed_stage.id},
)
cr.execute(
    """
    INSERT INTO rating_rating (res_model_id, res_model, res_id, partner_id, rating, consumed,
                               access_token, create_uid, write_uid, create_date, write_date)
    SELECT %(model)s, 'crm.standard.ticket', t.id, t.partner_id,
           (ARRAY[1, 3, 5, 5])[1 + t.id %% 4], TRUE, md5(t.id::text),
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC' - random() * interval '300 days'
      FROM crm_standard_ticket t WHERE t.name = 'Bench ticket'
""",
    {"model": ticket_model},
)
# done activities (calls) on the customers, some long ago
cr.execute(
    """
    INSERT INTO mail_message (model, res_id, message_type, mail_activity_type_id, body, date,
                              author_id, create_uid, write_uid, create_date, write_date)
    SELECT 'res.partner', p.id, 'notification', %(call)s, '<p>Call done</p>',
           now() at time zone 'UTC' - random() * interval '250 days', 3,
           1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM res_partner p, generate_series(1, 2) k
     WHERE p.name LIKE 'Bench Customer %%' AND p.id %% 11 != 0
""",
    {"call": call.id},
)
cr.commit()
vacuum()
env.invalidate_all()
counts = {}
for table in ("crm_lead", "crm_standard_ticket", "rating_rating", "mail_message"):
    cr.execute(f"SELECT count(*) FROM {table}")
    counts[table] = cr.fetchone()[0]
print(
    f"N = {args.n} customers, {args.n} contacts, {counts['crm_lead']} opportunities, "
    f"{counts['crm_standard_ticket']} tickets, {counts['rating_rating']} ratings, "
    f"{counts['mail_message']} messages (generated in {time.perf_counter() - t0:.1f} s)"
)

# -- floor -----------------------------------------------------------------
today = fields.Date.context_today(Partner)
now = fields.Datetime.to_datetime(today)
cadences = Partner.browse()._crm_health_default_cadence()
Template = env["crm.standard.followup.template"]
by_grade = {}
for grade in ("S", "A", "B", "C"):
    probe = Partner.new({"customer_grade": grade, "company_id": company.id})
    template = Template._crm_match(probe).get(probe)
    days = [
        s.cadence_count * {"days": 1, "weeks": 7, "months": 30}[s.cadence_unit]
        for s in (template.step_ids if template else [])
        if s.cadence_unit != "once" and s.channel in ("visit", "call", "email")
    ]
    by_grade[grade] = min(days) if days else cadences
weights = Partner._crm_health_weights(company)
comment = env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
FLOOR = """
WITH c AS (
    SELECT p.id, p.create_date, g.cadence
      FROM res_partner p
      JOIN (VALUES ('S', %(s)s), ('A', %(a)s), ('B', %(b)s), ('C', %(c)s)) g(grade, cadence)
        ON g.grade = p.customer_grade
     WHERE p.is_crm_customer AND p.parent_id IS NULL AND p.name LIKE 'Bench Customer %%'
),
contact AS (
    SELECT cp.commercial_partner_id AS id, max(m.date) AS last
      FROM mail_message m JOIN res_partner cp ON cp.id = m.res_id
     WHERE m.model = 'res.partner' AND (m.mail_activity_type_id IS NOT NULL
           OR m.message_type = 'email' OR (m.message_type = 'comment' AND m.subtype_id = %(cm)s))
  GROUP BY 1
),
biz AS (
    SELECT l.crm_commercial_partner_id AS id,
           COALESCE(SUM(l.expected_revenue) FILTER (WHERE s.is_won
               AND COALESCE(l.date_closed, l.create_date) >= %(y1)s), 0) AS last,
           COALESCE(SUM(l.expected_revenue) FILTER (WHERE s.is_won
               AND COALESCE(l.date_closed, l.create_date) < %(y1)s), 0) AS before,
           COUNT(*) FILTER (WHERE s.is_won IS NOT TRUE AND l.probability < 100) AS open
      FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id
     WHERE l.type = 'opportunity' AND l.active
       AND (s.is_won IS NOT TRUE OR COALESCE(l.date_closed, l.create_date) >= %(y2)s)
  GROUP BY 1
),
svc AS (
    SELECT commercial_partner_id AS id,
           GREATEST(0, 100 - 30 * COUNT(*) FILTER (WHERE ticket_type = 'complaint'
                                                     AND is_closed IS NOT TRUE)
                       - 20 * COUNT(*) FILTER (WHERE sla_status = 'breached'
                                                 AND date_received >= %(d90)s)) AS score
      FROM crm_standard_ticket
     WHERE active AND (date_received >= %(d365)s OR is_closed IS NOT TRUE)
  GROUP BY 1
),
sat AS (
    SELECT cid AS id, round(GREATEST(0, LEAST(100, (AVG(rating) - 1) * 25))::numeric, 1) AS score
      FROM (SELECT p.commercial_partner_id AS cid, r.rating,
                   row_number() OVER (PARTITION BY p.commercial_partner_id
                                      ORDER BY r.write_date DESC, r.id DESC) AS rn
              FROM rating_rating r JOIN res_partner p ON p.id = r.partner_id
             WHERE r.consumed AND r.rating > 0 AND r.write_date >= %(d365)s) x
     WHERE rn <= 5 GROUP BY cid
),
f AS (
    SELECT c.id,
           round(GREATEST(0, 100 - 100.0 * GREATEST(
               (%(today)s::date - COALESCE(contact.last, c.create_date)::date) - c.cadence, 0)
               / (2 * c.cadence))::numeric, 1) AS recency,
           CASE WHEN biz.id IS NULL OR (biz.last = 0 AND biz.before = 0 AND biz.open = 0)
                THEN NULL
                ELSE round((CASE WHEN biz.before > 0 THEN 80 * LEAST(biz.last / biz.before, 1)
                                 WHEN biz.last > 0 THEN 80 ELSE 0 END
                            + CASE WHEN biz.open > 0 THEN 20 ELSE 0 END)::numeric, 1) END
               AS business,
           svc.score::numeric AS service, sat.score AS satisfaction
      FROM c LEFT JOIN contact ON contact.id = c.id LEFT JOIN biz ON biz.id = c.id
      LEFT JOIN svc ON svc.id = c.id LEFT JOIN sat ON sat.id = c.id
),
s AS (
    SELECT id, recency, business, service, satisfaction,
           round((%(wr)s * recency + COALESCE(%(wb)s * business, 0)
                  + COALESCE(%(ws)s * service, 0) + COALESCE(%(wt)s * satisfaction, 0))
                 / (%(wr)s + CASE WHEN business IS NULL THEN 0 ELSE %(wb)s END
                    + CASE WHEN service IS NULL THEN 0 ELSE %(ws)s END
                    + CASE WHEN satisfaction IS NULL THEN 0 ELSE %(wt)s END)) AS score
      FROM f
),
upd AS (
    UPDATE res_partner p
       SET crm_health_score = s.score, crm_health_recency = s.recency,
           crm_health_business = s.business, crm_health_service = s.service,
           crm_health_satisfaction = s.satisfaction,
           crm_health_band = CASE WHEN s.score >= %(healthy)s THEN 'healthy'
                                  WHEN s.score >= %(risk)s THEN 'watch' ELSE 'at_risk' END,
           crm_health_band_computed = CASE WHEN s.score >= %(healthy)s THEN 'healthy'
                                  WHEN s.score >= %(risk)s THEN 'watch' ELSE 'at_risk' END,
           crm_health_date = %(today)s, crm_health_snapshot_date = %(today)s
      FROM s WHERE p.id = s.id
 RETURNING p.id, p.company_id, p.crm_health_score, p.crm_health_band, p.customer_grade,
           p.lifecycle_stage, p.user_id
)
INSERT INTO crm_standard_health_snapshot (date, partner_id, company_id, score, band, grade,
                                          lifecycle_stage, user_id, create_uid, write_uid,
                                          create_date, write_date)
SELECT %(today)s, id, company_id, crm_health_score, crm_health_band, customer_grade,
       lifecycle_stage, user_id, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
  FROM upd
"""
assert weights["discipline"] and set(weights) == {
    "recency",
    "business",
    "service",
    "satisfaction",
    "discipline",
}  # no follow-up plan in the data set: discipline has no data (its weight is spread)
params = {
    "s": by_grade["S"],
    "a": by_grade["A"],
    "b": by_grade["B"],
    "c": by_grade["C"],
    "cm": comment,
    "y1": now - relativedelta(months=12),
    "y2": now - relativedelta(months=24),
    "d90": now - timedelta(days=90),
    "d365": now - timedelta(days=365),
    "today": today,
    "wr": weights["recency"],
    "wb": weights["business"],
    "ws": weights["service"],
    "wt": weights["satisfaction"],
    "healthy": company.crm_health_healthy_from,
    "risk": company.crm_health_risk_below,
}
t0 = time.perf_counter()
cr.execute(FLOOR, params)
snapshot_rows = cr.rowcount
cr.commit()
floor = time.perf_counter() - t0
cr.execute("SELECT id, crm_health_score FROM res_partner WHERE crm_health_score IS NOT NULL")
floor_scores = dict(cr.fetchall())
print(f"floor: one SQL statement (5 factors, score, band, UPDATE, snapshots): {floor:.2f} s")
print(f"floor snapshot rows: {snapshot_rows}")

# reset
cr.execute(
    "UPDATE res_partner SET crm_health_score = NULL, crm_health_band = NULL, "
    "crm_health_band_computed = NULL, crm_health_recency = NULL, crm_health_business = NULL, "
    "crm_health_service = NULL, crm_health_satisfaction = NULL, crm_health_date = NULL, "
    "crm_health_snapshot_date = NULL WHERE crm_health_date IS NOT NULL"
)
cr.execute("DELETE FROM crm_standard_health_snapshot")
cr.commit()
vacuum()
env.invalidate_all()

# -- cron ------------------------------------------------------------------
sql_time = defaultdict(float)
if args.profile:
    original_execute = Cursor.execute

    def timed_execute(self, query, params=None, log_exceptions=True):
        start = time.perf_counter()
        try:
            return original_execute(self, query, params, log_exceptions)
        finally:
            statement = " ".join(str(getattr(query, "code", query)).split())[:100]
            sql_time[statement] += time.perf_counter() - start

    Cursor.execute = timed_execute
t0 = time.perf_counter()
if args.profile:
    profiler = cProfile.Profile()
    profiler.runcall(Partner._cron_crm_health, batch_size=args.batch_size)
else:
    Partner._cron_crm_health(batch_size=args.batch_size)
cron = time.perf_counter() - t0
if args.profile:
    Cursor.execute = original_execute
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(30)
    print(f"SQL: {sum(sql_time.values()):.2f} s of {cron:.2f} s")
    for key, spent in sorted(sql_time.items(), key=lambda item: -item[1])[:12]:
        print(f"{spent:7.3f} s  {key}")
cr.execute("SELECT count(*) FROM crm_standard_health_snapshot")
snapshots = cr.fetchone()[0]
print(
    f"health cron end to end (batches of {args.batch_size}"
    f"{', retention plans' if args.with_retention else ''}): {cron:.2f} s, "
    f"{snapshots} snapshot rows"
)
print(f"ratio cron / floor: {cron / floor:.2f} (goal <= 3)")
cr.execute("SELECT id, crm_health_score FROM res_partner WHERE crm_health_score IS NOT NULL")
cron_scores = dict(cr.fetchall())
same = sum(1 for pid, score in floor_scores.items() if cron_scores.get(pid) == score)
print(f"same scores as the floor: {same}/{len(floor_scores)}")
cr.execute(
    "SELECT crm_health_band, count(*) FROM res_partner WHERE crm_health_band IS NOT NULL "
    "GROUP BY 1 ORDER BY 1"
)
print("bands: " + ", ".join(f"{band}={count}" for band, count in cr.fetchall()))

t0 = time.perf_counter()
Partner._cron_crm_health(batch_size=args.batch_size)
again = time.perf_counter() - t0
cr.execute("SELECT count(*) FROM crm_standard_health_snapshot")
print(
    f"second cron run (same day, nothing changes): {again:.2f} s, snapshot rows added: "
    f"{cr.fetchone()[0] - snapshots}"
)

"""Benchmark: the pipeline's stage history and funnel report.

Run with the harness (fresh database, crm_standard installed, global ``env``)::

    make bench ARGS="bench/bench_pipeline.py --leads 300000"

1. Data, set-based: L leads over five stages (the last one won), each with a
   creation row and on average four transitions of stage history (1.5 M rows
   for 300,000 leads), some lost.
2. The funnel report's ``read_group`` by stage (what the pivot asks: reached,
   went on, won, average and median days, expected revenue) against the same
   figures computed by a hand-written SQL aggregate in the same run
   (goal: ratio <= 2).
3. A stage change of M leads in one ``write`` with the history and one active
   stage-change rule, against the same write with the history (and so the
   rules) disabled (goal: ratio <= 1.3).
"""

# A benchmark script, not addon code: it calls private methods on purpose.
# pylint: disable=protected-access
import argparse
import sys
import time
from unittest.mock import patch

env = globals()["env"]  # given by tools/devenv.py bench
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--leads", type=int, default=300000, help="leads with a stage history")
parser.add_argument("--move", type=int, default=1000, help="leads moved in one write")
parser.add_argument("--runs", type=int, default=3, help="runs of each measure (best kept)")
args = parser.parse_args(sys.argv[1:])
cr = env.cr


def best(fn, runs=args.runs):
    times = []
    result = None
    for _run in range(runs):
        env.invalidate_all()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


# -- data ------------------------------------------------------------------
t0 = time.perf_counter()
company = env.company
team = env["crm.team"].create({"name": "Bench team", "user_id": env.uid})
stages = env["crm.stage"].create(
    [{"name": f"Bench stage {i}", "sequence": 100 + i, "is_won": i == 5} for i in range(1, 6)]
)
ids = stages.ids
cr.execute(
    """
    INSERT INTO crm_lead (name, type, active, stage_id, team_id, user_id, company_id,
                          probability, expected_revenue, priority, date_last_stage_update,
                          create_uid, write_uid, create_date, write_date)
    SELECT 'Bench lead ' || g, 'opportunity', g %% 10 != 0,
           (%(stages)s::int[])[1 + (g %% 5)], %(team)s, %(uid)s, %(company)s,
           CASE WHEN g %% 10 = 0 THEN 0 ELSE 50 END, 1000 + g %% 500, '0',
           now() at time zone 'UTC', 1, 1,
           now() at time zone 'UTC' - interval '400 days' + (g %% 365) * interval '1 day',
           now() at time zone 'UTC'
      FROM generate_series(1, %(n)s) g
""",
    {"stages": ids, "team": team.id, "uid": env.uid, "company": company.id, "n": args.leads},
)
# history: the creation in stage 1, then one row per stage up to the current one
cr.execute(
    """
    INSERT INTO crm_standard_stage_history (lead_id, company_id, team_id, user_id,
           changed_by_id, from_stage_id, to_stage_id, date, kind, duration_seconds,
           duration_days, expected_revenue, create_uid, write_uid, create_date, write_date)
    SELECT l.id, l.company_id, l.team_id, l.user_id, 1,
           CASE WHEN k = 1 THEN NULL ELSE (%(stages)s::int[])[k - 1] END,
           (%(stages)s::int[])[k], l.create_date + (k - 1) * interval '3 days',
           CASE WHEN k = 1 THEN 'create' WHEN k = 5 THEN 'won' ELSE 'stage' END,
           CASE WHEN k = 1 THEN NULL ELSE 86400 * (1 + (l.id + k) %% 9) END,
           CASE WHEN k = 1 THEN 0 ELSE 1 + (l.id + k) %% 9 END,
           l.expected_revenue, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM crm_lead l
      JOIN crm_stage cs ON cs.id = l.stage_id
     CROSS JOIN LATERAL generate_series(1, 5) k
     WHERE l.team_id = %(team)s AND k <= cs.sequence - 99
""",
    {"stages": ids, "team": team.id},
)
cr.execute("SELECT count(*) FROM crm_standard_stage_history WHERE team_id = %s", [team.id])
rows = cr.fetchone()[0]
cr.execute("ANALYZE")
cr.commit()
print(f"data: {args.leads} leads, {rows} stage history rows ({time.perf_counter() - t0:.1f} s)")

# -- 1. the funnel report against a hand-written aggregate ------------------
Report = env["crm.standard.funnel.report"]
domain = [("team_id", "=", team.id)]
aggregates = [
    "reached_count:sum",
    "next_count:sum",
    "won_count:sum",
    "days_in_stage:avg",
    "days_in_stage_median:avg",
    "expected_revenue:sum",
]


def report():
    return sorted(
        (stage.id, *values)
        for stage, *values in Report._read_group(domain, ["stage_id"], aggregates)
    )


HAND = """
    WITH entries AS (
        SELECT h.lead_id, h.to_stage_id AS stage_id
          FROM crm_standard_stage_history h
         WHERE h.kind IN ('create', 'stage', 'won') AND h.to_stage_id IS NOT NULL
         GROUP BY h.lead_id, h.to_stage_id
    ), reach AS (
        SELECT e.lead_id, MAX(s.sequence) AS max_seq
          FROM entries e JOIN crm_stage s ON s.id = e.stage_id GROUP BY e.lead_id
    ), spent AS (
        SELECT h.lead_id, h.from_stage_id AS stage_id, SUM(h.duration_seconds) AS secs
          FROM crm_standard_stage_history h
         WHERE h.kind IN ('stage', 'won') AND h.from_stage_id IS NOT NULL
         GROUP BY h.lead_id, h.from_stage_id
    )
    SELECT s.id, COUNT(*), SUM((r.max_seq > s.sequence)::int),
           SUM((l.active AND ls.is_won)::int), AVG(sp.secs / 86400.0),
           PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY sp.secs / 86400.0),
           SUM(l.expected_revenue)
      FROM crm_lead l
      JOIN reach r ON r.lead_id = l.id
      JOIN crm_stage s ON s.sequence <= r.max_seq AND (s.team_id IS NULL OR s.team_id = l.team_id)
      JOIN crm_stage ls ON ls.id = l.stage_id
      LEFT JOIN spent sp ON sp.lead_id = l.id AND sp.stage_id = s.id
     WHERE l.team_id = %s
     GROUP BY s.id ORDER BY s.id
"""


def hand():
    cr.execute(HAND, [team.id])
    return cr.fetchall()


report()  # warm-up
hand()
t_report, by_report = best(report)
t_hand, by_hand = best(hand)
for got, want in zip(by_report, by_hand, strict=True):
    assert got[:4] == want[:4], (got, want)
    assert all(abs((g or 0) - (w or 0)) < 1e-6 for g, w in zip(got[4:], want[4:], strict=True))
print(f"funnel read_group by stage: {t_report:.2f} s; hand-written aggregate: {t_hand:.2f} s")
ratio_report = t_report / t_hand
print(f"ratio funnel / hand-written = {ratio_report:.2f} (goal <= 2)")

# -- 2. one write moving M leads, history and one rule on vs off ------------
Rule = env["crm.standard.stage.rule"]
Rule.search([]).active = False
Rule.create(
    {
        "name": "Bench rule",
        "from_stage_ids": [(6, 0, [ids[1]])],
        "to_stage_ids": [(6, 0, [ids[2]])],
        "recipient_type": "team_leader",
        "action": "activity",
    }
)
cr.commit()
Lead = env["crm.lead"]
Lead_cls = type(Lead)
cr.execute(
    "SELECT id FROM crm_lead WHERE team_id = %s AND stage_id = %s AND active ORDER BY id LIMIT %s",
    [team.id, ids[1], args.move],
)
movers = Lead.browse([r[0] for r in cr.fetchall()])


def move_once(history):
    """Seconds and SQL queries of one write moving ``movers``, rolled back."""
    env.invalidate_all()
    with patch.object(
        Lead_cls,
        "_crm_record_stage_history",
        Lead_cls._crm_record_stage_history if history else (lambda self, before: None),
    ):
        queries = cr.sql_log_count
        t0 = time.perf_counter()
        movers.write({"stage_id": ids[2]})
        env.flush_all()
        cr.precommit.run()
        env.flush_all()
        elapsed = time.perf_counter() - t0
        queries = cr.sql_log_count - queries
    cr.rollback()
    return elapsed, queries


move_once(True)  # warm-up
# interleaved, so that both measures share the machine's load of the moment
timings = {False: [], True: []}
queries = {}
for _run in range(args.runs):
    for history in (False, True):
        elapsed, queries[history] = move_once(history)
        timings[history].append(elapsed)
off, on = min(timings[False]), min(timings[True])
print(
    f"write of {len(movers)} leads' stage: {off:.2f} s and {queries[False]} queries without "
    f"history, {on:.2f} s and {queries[True]} queries with history and one active rule "
    f"({len(movers)} activities)"
)
ratio_write = on / off
print(f"ratio with / without = {ratio_write:.2f} (goal <= 1.3)")

"""Benchmark: a salesperson's everyday clicks, plain Odoo CRM against crm_standard.

Run with the harness (the "devenv-bench" line below asks it for demo data and
a second database with plain Odoo's ``crm contacts rating resource``)::

    make bench ARGS="bench/bench_everyday.py"
    make bench ARGS="bench/bench_everyday.py --reps 30 --import-rows 2000"
    make bench ARGS="bench/bench_everyday.py --profile create,win --reps 10"

Both databases are in this process (``env``: crm_standard, ``plain_env``:
plain), so both see the same machine load: the repetitions alternate between
them. Each action is one request: the action, then what a request does at its
end (``flush_all()`` + the precommit hooks: tracking, the customer refresh),
timed; then rolled back to a savepoint so every repetition starts from the
same data. Medians of ``--reps`` repetitions, ``--runs`` runs, ratios against
the issue's goals:

* as the administrator through the ORM: opportunity create for a new company
  (1.5), win (1.5), stage move (1.2), activity on a customer done (1.2),
  company create (1.2) and write (1.2), message post (1.1);
* the same through ``web_save`` (and the buttons' methods) as a salesperson
  who sees their own documents: 1.3 against the plain salesperson;
* importing ``--import-rows`` opportunities through ``base_import``'s
  ``execute_import`` (1.5).

``--profile a,b``: for those actions (on both databases) cProfile's top
functions and the SQL per normalised statement (count, total ms).
"""
# devenv-bench: --demo --plain=crm,contacts,rating,resource

# A benchmark script, not addon code: it calls private methods on purpose.
# pylint: disable=protected-access
import argparse
import cProfile
import io
import logging
import pstats
import re
import statistics
import sys
import time
import traceback
from collections import defaultdict
from contextlib import contextmanager
from functools import partial
from unittest.mock import patch

from odoo.modules.registry import Registry
from odoo.sql_db import Cursor
from odoo.tools import SQL

logging.getLogger("odoo.models.unlink").setLevel(logging.WARNING)
logging.getLogger("odoo.addons.base_import").setLevel(logging.WARNING)

env = globals()["env"]  # crm_standard, given by tools/devenv.py bench
plain_env = globals().get("plain_env")  # plain Odoo: bench --plain=...
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--reps", type=int, default=50, help="repetitions of each action")
parser.add_argument("--runs", type=int, default=2, help="runs (each prints its table)")
parser.add_argument("--import-rows", type=int, default=10000, help="0: no import")
parser.add_argument("--only", default="", help="comma-separated action keys")
parser.add_argument("--profile", default="", help="comma-separated action keys to profile")
parser.add_argument("--trace", action="store_true", help="with --profile: every query in order")
args = parser.parse_args(sys.argv[1:])
if plain_env is None:
    sys.exit("bench_everyday needs the plain database: run it through `make bench`")

DATABASES = {"plain": plain_env, "std": env}
SALESMAN_GROUP = "sales_team.group_sale_salesman"
# what the forms read back after web_save, fields both databases have (the query-count
# tests use the same; the bench cannot import a test module: Odoo logs an error)
LEAD_SPEC = {
    "name": {},
    "type": {},
    "partner_id": {"fields": {"display_name": {}}},
    "stage_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "team_id": {"fields": {"display_name": {}}},
    "expected_revenue": {},
    "probability": {},
    "email_from": {},
    "phone": {},
    "tag_ids": {"fields": {"display_name": {}, "color": {}}},
}
PARTNER_SPEC = {
    "name": {},
    "is_company": {},
    "email": {},
    "phone": {},
    "city": {},
    "website": {},
    "user_id": {"fields": {"display_name": {}}},
    "category_id": {"fields": {"display_name": {}, "color": {}}},
}


class Fixture:
    """Per database: the users, stages and one customer with an open
    opportunity and an activity, created once (kept for the whole run)."""

    def __init__(self, root, name):
        self.root, self.name = root, name
        admin = root.ref("base.user_admin")
        self.company = admin.company_id
        root.company.country_id = root.ref("base.cn")  # crm_standard checks CN formats
        salesman = (
            root["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Bench Salesman",
                    "login": "bench_salesman",
                    "email": "bench.salesman@example.com",
                    "company_id": self.company.id,
                    "company_ids": [(6, 0, [self.company.id])],
                    "groups_id": [(6, 0, [root.ref(SALESMAN_GROUP).id])],
                }
            )
        )
        self.team = root.ref("sales_team.team_sales_department")
        self.team.member_ids |= salesman
        stages = root["crm.stage"].search([("team_id", "in", [False, self.team.id])])
        self.open_stages = stages.filtered(lambda s: not s.is_won)[:2]
        self.users = {"admin": admin, "salesman": salesman}
        self.envs = {
            name: root(
                user=user.id,
                su=False,
                context={
                    "lang": "en_US",
                    "tz": "Europe/Brussels",
                    "uid": user.id,
                    "allowed_company_ids": [self.company.id],
                },
            )
            for name, user in self.users.items()
        }
        # the companies the imported opportunities go to (valid CN phones: crm_standard
        # checks the formats of a customer it marks; some demo companies' are not)
        self.import_companies = root["res.partner"].create(
            [
                {
                    "name": f"Bench Import Customer {i} Co., Ltd.",
                    "is_company": True,
                    "phone": f"+86 21 6{i:07d}",
                }
                for i in range(40)
            ]
        )
        self.customers, self.leads, self.activities = {}, {}, {}
        for role, user in self.users.items():
            customer = root["res.partner"].create(
                {
                    "name": f"Bench Existing Customer ({role}) Co., Ltd.",
                    "is_company": True,
                    "email": f"existing.{role}@bench.example.com",
                    "user_id": user.id,
                }
            )
            lead = root["crm.lead"].create(
                {
                    "name": f"Bench deal ({role})",
                    "type": "opportunity",
                    "partner_id": customer.id,
                    "user_id": user.id,
                    "team_id": self.team.id,
                    "stage_id": self.open_stages[0].id,
                    "expected_revenue": 50000,
                }
            )
            activity = root["mail.activity"].create(
                {
                    "res_model_id": root["ir.model"]._get_id("res.partner"),
                    "res_id": customer.id,
                    "activity_type_id": root.ref("mail.mail_activity_data_todo").id,
                    "summary": "Call back",
                    "user_id": user.id,
                }
            )
            self.customers[role], self.leads[role], self.activities[role] = (
                customer,
                lead,
                activity,
            )
        end_request(root)


def end_request(e):
    """What the end of a request does before COMMIT (Cursor.commit -> flush)."""
    e.flush_all()
    e.cr.precommit.run()
    e.flush_all()


COUNTER = [0]


def unique():
    COUNTER[0] += 1
    return COUNTER[0]


# -- the actions: fn(fixture, role, e) with e the role's environment --------------------
def act_create(fx, role, e):
    n = unique()
    name = f"Bench New Company {n} Co., Ltd."
    partner_vals = {
        "name": name,
        "is_company": True,
        "email": f"info{n}@bench{n}.example.com",
        "phone": f"+86 21 6{n % 10000000:07d}",
    }
    if role == "admin":
        partner = e["res.partner"].create(partner_vals)
        e["crm.lead"].create(
            {
                "name": f"Deal {n}",
                "type": "opportunity",
                "partner_id": partner.id,
                "user_id": e.uid,
                "team_id": fx.team.id,
                "expected_revenue": 12000,
            }
        )
    else:
        partner_id = e["res.partner"].web_save(partner_vals, PARTNER_SPEC)[0]["id"]
        e["crm.lead"].web_save(
            {
                "name": f"Deal {n}",
                "type": "opportunity",
                "partner_id": partner_id,
                "user_id": e.uid,
                "team_id": fx.team.id,
                "expected_revenue": 12000,
            },
            LEAD_SPEC,
        )


def act_win(fx, role, e):
    e["crm.lead"].browse(fx.leads[role].id).action_set_won_rainbowman()


def act_stage(fx, role, e):
    lead = e["crm.lead"].browse(fx.leads[role].id)
    vals = {"stage_id": fx.open_stages[1].id}
    if role == "admin":
        lead.write(vals)
    else:
        lead.web_save(vals, LEAD_SPEC)


def act_activity(fx, role, e):
    e["mail.activity"].browse(fx.activities[role].id).action_feedback(feedback="Called: OK")


def act_partner_create(fx, role, e):
    n = unique()
    vals = {
        "name": f"Bench Company {n} Co., Ltd.",
        "is_company": True,
        "email": f"hello{n}@company{n}.example.com",
        "phone": f"+86 10 8{n % 10000000:07d}",
    }
    if role == "admin":
        e["res.partner"].create(vals)
    else:
        e["res.partner"].web_save(vals, PARTNER_SPEC)


def act_partner_write(fx, role, e):
    n = unique()
    partner = e["res.partner"].browse(fx.customers[role].id)
    vals = {"city": f"City {n}", "website": f"https://www{n}.example.com"}
    if role == "admin":
        partner.write(vals)
    else:
        partner.web_save(vals, PARTNER_SPEC)


def act_message(fx, role, e):
    e["res.partner"].browse(fx.customers[role].id).message_post(
        body="Spoke with the buyer: a second order in March.",
        message_type="comment",
        subtype_xmlid="mail.mt_comment",
    )


ACTIONS = [
    # key, label, function, goal against plain
    ("create", "opportunity for a new company", act_create, 1.5),
    ("win", "mark an opportunity won", act_win, 1.5),
    ("stage", "move to another stage", act_stage, 1.2),
    ("activity", "activity on a customer done", act_activity, 1.2),
    ("pcreate", "company create (e-mail, phone)", act_partner_create, 1.2),
    ("pwrite", "company write (city, website)", act_partner_write, 1.2),
    ("message", "message post on a customer", act_message, 1.1),
]
SALESMAN_GOAL = 1.3
IMPORT_GOAL = 1.5
selected = set(filter(None, args.only.split(","))) or {a[0] for a in ACTIONS} | {"import"}


# -- measuring ---------------------------------------------------------------------------
@contextmanager
def rolled_back(root):
    """A savepoint rolled back afterwards, caches and hooks cleared."""
    cr = root.cr
    cr.execute("SAVEPOINT bench_everyday")
    try:
        yield
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT bench_everyday")
        cr.precommit.clear()
        cr.postcommit.clear()
        root.invalidate_all()
        root.transaction.clear()


def one_request(fx, fn, role):
    """Seconds and queries of one request of ``fn`` as ``role``, rolled back."""
    e = fx.envs[role]
    with rolled_back(fx.root):
        queries = e.cr.sql_log_count
        t0 = time.perf_counter()
        fn(fx, role, e)
        end_request(e)
        elapsed = time.perf_counter() - t0
        queries = e.cr.sql_log_count - queries
    return elapsed, queries


def measure(fixtures, fn, role, reps):
    times = {db: [] for db in fixtures}
    queries = {}
    for fx in fixtures.values():  # warm the caches (ormcache, prefetch of views)
        one_request(fx, fn, role)
    for _rep in range(reps):
        for db, fx in fixtures.items():  # alternate: both see the same load
            elapsed, count = one_request(fx, fn, role)
            times[db].append(elapsed)
            queries[db] = count
    return {db: statistics.median(t) for db, t in times.items()}, queries


def import_file(fx, rows):
    """CSV of ``rows`` opportunities of existing companies (database ids)."""
    companies = fx.import_companies
    lines = ["Name,Type,Customer/Database ID,Email,Phone,Expected Revenue,Salesperson/Database ID"]
    salesman = fx.users["salesman"].id
    for i in range(rows):
        lines.append(
            f"Imported deal {i},opportunity,{companies[i % len(companies)].id},"
            f"buyer{i}@import.example.com,+86 21 5{i:07d},{1000 + i % 900},{salesman}"
        )
    return "\n".join(lines).encode()


def run_import(fx, content):
    e = fx.envs["admin"]
    with rolled_back(fx.root):
        importer = e["base_import.import"].create(
            {
                "res_model": "crm.lead",
                "file": content,
                "file_name": "leads.csv",
                "file_type": "text/csv",
            }
        )
        options = {"has_headers": True, "quoting": '"', "separator": ",", "encoding": "utf-8"}
        fields = ["name", "type", "partner_id/.id", "email_from", "phone"]
        fields += ["expected_revenue", "user_id/.id"]
        t0 = time.perf_counter()
        result = importer.execute_import(fields, fields, options)
        end_request(e)
        elapsed = time.perf_counter() - t0
        errors = [m for m in result["messages"] if m.get("type") == "error"]
        assert not errors, errors[:3]
        assert len(result["ids"]) == args.import_rows, len(result["ids"])
    return elapsed


def verdict(ratio, goal):
    return "ok" if ratio <= goal else "OVER"


# -- profiling -------------------------------------------------------------------------
NORMALISE = [
    (re.compile(r"'(?:[^']|'')*'"), "?"),
    (re.compile(r"\b\d+(\.\d+)?\b"), "N"),
    (re.compile(r"(\?|N|%s)(\s*,\s*(\?|N|%s))+"), r"\1, ..."),
    (re.compile(r"\s+"), " "),
]


def normalise(query):
    text = query.decode() if isinstance(query, bytes) else str(query)
    for pattern, repl in NORMALISE:
        text = pattern.sub(repl, text)
    return text.strip()


def addon_caller(depth=1):
    """The innermost ``depth`` frames of crm_standard that led to a query."""
    frames = [
        f"{frame.filename.split('/crm_standard/')[1]}:{frame.lineno} {frame.name}"
        for frame in reversed(traceback.extract_stack()[:-3])
        if "/crm_standard/" in frame.filename
    ]
    return " < ".join(frames[:depth]) or "(odoo)"


@contextmanager
def sql_statements(callers):
    stats = defaultdict(lambda: [0, 0.0])
    original = Cursor.execute

    def execute(self, query, params=None, log_exceptions=True):
        t0 = time.perf_counter()
        try:
            return original(self, query, params, log_exceptions)
        finally:
            key = normalise(query.code if isinstance(query, SQL) else query)
            callers[addon_caller()] += 1
            if args.trace:
                print(f"    SQL {addon_caller(4)} | {key[:140]}")
            stats[key][0] += 1
            stats[key][1] += time.perf_counter() - t0

    def clear_cache(self, *cache_names):
        if args.trace:
            print(f"    CLEAR CACHE {cache_names or ('default',)} from {addon_caller(3)}")
        return original_clear(self, *cache_names)

    original_clear = Registry.clear_cache
    with (
        patch.object(Cursor, "execute", execute),
        patch.object(Registry, "clear_cache", clear_cache),
    ):
        yield stats


def profile(fixtures, key, run, role):
    """Profile ``run(fixture)`` (one request, rolled back) on both databases."""
    for db, fx in fixtures.items():
        run(fx)  # warm
        profiler = cProfile.Profile()
        callers = defaultdict(int)
        with sql_statements(callers) as stats:
            profiler.enable()
            run(fx)
            profiler.disable()
        total = sum(c for c, _t in stats.values())
        ms = sum(t for _c, t in stats.values()) * 1000
        print(f"\n=== profile {key} as {role} on {db}: {total} queries, {ms:.1f} ms of SQL")
        for query, (count, seconds) in sorted(stats.items(), key=lambda kv: -kv[1][1])[:60]:
            print(f"  {count:4d} {seconds * 1000:8.2f} ms  {query[:300]}")
        print("  queries by the innermost crm_standard frame:")
        for caller, count in sorted(callers.items(), key=lambda kv: -kv[1]):
            print(f"  {count:4d}  {caller}")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
        print(out.getvalue())


# -- main ------------------------------------------------------------------------------
def main():
    fixtures = {db: Fixture(e, db) for db, e in DATABASES.items()}
    print(
        "bench_everyday: plain = crm contacts rating resource, std = + crm_standard; "
        f"both with demo data; medians of {args.reps} repetitions"
    )
    content = {db: import_file(fx, args.import_rows) for db, fx in fixtures.items()}
    if args.profile:
        keys = args.profile.split(",")
        for key, _label, fn, _goal in ACTIONS:
            if key in keys:
                for role in ("admin", "salesman"):
                    profile(fixtures, key, partial(one_request, fn=fn, role=role), role)
        if "import" in keys:
            profile(fixtures, "import", lambda fx: run_import(fx, content[fx.name]), "admin")
        return

    for run in range(1, args.runs + 1):
        print(f"\nrun {run}")
        header = (
            f"  {'action':34} {'role':8} {'plain ms':>9} {'std ms':>9} {'ratio':>6} {'goal':>5}"
        )
        print(header + f" {'queries plain/std':>18}")
        for key, label, fn, goal in ACTIONS:
            if key not in selected:
                continue
            for role in ("admin", "salesman"):
                medians, queries = measure(fixtures, fn, role, args.reps)
                ratio = medians["std"] / medians["plain"]
                # the salesperson's goal: against plain Odoo's salesperson
                target = goal if role == "admin" else SALESMAN_GOAL
                print(
                    f"  {label:34} {role:8} {medians['plain'] * 1000:9.2f} "
                    f"{medians['std'] * 1000:9.2f} {ratio:6.2f} {target:5.1f} "
                    f"{queries['plain']:8d}/{queries['std']:<8d} {verdict(ratio, target)}"
                )
        if "import" in selected and args.import_rows:
            times = {db: run_import(fx, content[db]) for db, fx in fixtures.items()}
            ratio = times["std"] / times["plain"]
            print(
                f"  {f'import {args.import_rows} opportunities':34} {'admin':8} "
                f"{times['plain'] * 1000:9.0f} {times['std'] * 1000:9.0f} {ratio:6.2f} "
                f"{IMPORT_GOAL:5.1f} {'':17} {verdict(ratio, IMPORT_GOAL)}"
            )
    print(
        f"\nsalesman rows: crm_standard's salesperson vs plain Odoo's, same web_save and "
        f"buttons (goal {SALESMAN_GOAL})"
    )


try:
    main()
finally:  # leave both databases as installed: the script can run again on them
    for root in DATABASES.values():
        root.cr.rollback()

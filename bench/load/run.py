"""The load test: many users and the crons at once on Odoo's prefork server.

Run with ``make load`` (``tools/devenv.py load``; ``ARGS="--users 5 --duration 30"``
for a small run). Never in CI. See docs/load.md.

1. A throwaway PostgreSQL (loopback, pg_stat_statements) with two databases of
   the same generated volume (``generate.py``): crm_standard with demo data,
   and a plain ``crm`` one (crm, contacts, rating, resource).
2. For each: Odoo with ``--workers=4 --max-cron-threads=2`` on 127.0.0.1,
   Locust headless (``locustfile.py``) for the given users and time while a
   side thread triggers the addon's crons every few seconds (``ir_cron_trigger``
   rows and the ``cron_trigger`` notification the cron workers listen to).
3. A third run on crm_standard with a streaming replica (``pg_basebackup`` of
   the first cluster, on loopback) and Odoo's ``db_replica_host``/``_port``.

Printed and kept as CSV in ``--out``: p50/p95/max and requests/s per
operation, failures, refusals, stale reads, retried serialization failures,
deadlocks of the PostgreSQL log, cron runs, statements per second on each
server; the p95 ratio crm_standard / plain per common operation; the SQL
invariants after the run.
"""

# pylint: disable=import-error
import argparse
import contextlib
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import devenv  # noqa: E402  pylint: disable=wrong-import-position

VENV = Path(os.environ.get("LOAD_VENV", Path.home() / ".cache" / "crmstd-locust"))
PLAIN_MODULES = "crm,contacts,rating,resource"
GOAL_RATIO = 1.3
say = devenv.say


# -- set-up ------------------------------------------------------------------
def ensure_locust():
    """Locust in its own virtualenv: its Werkzeug/gevent must not replace Odoo's."""
    locust = VENV / "bin" / "locust"
    if not locust.exists():
        say(f"installing Locust into {VENV} (bench/load/requirements.txt)")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "-q", "-r", str(HERE / "requirements.txt")],
            check=True,
        )
    return locust


def connect(db, dbname, port=None, host=None):
    import psycopg2  # pylint: disable=import-outside-toplevel

    params = {k[3:]: v for k, v in db.items() if k.startswith("db_") and v}
    params["dbname"] = dbname
    if port:
        params["port"], params["host"] = port, host
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    return conn


def sql(conn, query, params=None):
    with conn.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchall() if cr.description else None


def generate(conf, env, work, dbname, args):
    log = work / f"generate-{dbname}.log"
    devenv.logged_step(
        f"generate the volume in {dbname}",
        [
            sys.executable,
            "-c",
            devenv.BENCH_MAIN,
            str(conf),
            dbname,
            str(HERE / "generate.py"),
            f"--customers={args.customers}",
            f"--leads={args.leads}",
            f"--tickets={args.tickets}",
            f"--plans={args.plans}",
            f"--submitted={args.submitted}",
        ],
        env,
        log,
    )
    say(log.read_text().strip().splitlines()[-1])


class Replica:
    """A hot standby of ``cluster``: ``pg_basebackup -R``, streaming on loopback."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.data = cluster.base / "replica"
        self.sock = cluster.base / "replica-sock"
        self.port = devenv.free_port()
        self.log = cluster.base / "replica.log"

    def start(self):
        run = self.cluster._cmd  # pylint: disable=protected-access
        self.sock.mkdir()
        if self.cluster.user:
            shutil.chown(self.sock, self.cluster.user)
        subprocess.run(
            run(
                [
                    str(self.cluster.bindir / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.cluster.port),
                    "-U",
                    devenv.DB_ROLE,
                    "-D",
                    str(self.data),
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ]
            ),
            check=True,
        )
        opts = (
            f"-k {self.sock} -h 127.0.0.1 -p {self.port} -F -c max_connections=200 "
            "-c hot_standby=on -c shared_preload_libraries=pg_stat_statements "
            "-c cluster_name=replica"
        )
        subprocess.run(
            run(
                [
                    str(self.cluster.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    opts,
                    "-l",
                    str(self.log),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        say(f"streaming replica on 127.0.0.1:{self.port}")

    def stop(self):
        subprocess.run(
            self.cluster._cmd(  # pylint: disable=protected-access
                [str(self.cluster.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]
            ),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


# -- during the run ------------------------------------------------------------
def cron_ids(conn, flavor):
    """The crons forced during the run: crm_standard's (plain: crm's)."""
    module = "crm_standard" if flavor == "standard" else "crm"
    return [
        r[0]
        for r in sql(
            conn,
            "SELECT c.id FROM ir_cron c JOIN ir_model_data d "
            "ON d.model = 'ir.cron' AND d.res_id = c.id "
            "WHERE d.module = %s AND c.active ORDER BY c.id",
            [module],
        )
    ]


def force_crons(db, dbname, flavor, every, stop):
    """Trigger the crons every ``every`` s until ``stop`` is set (side thread)."""
    conn = connect(db, dbname)
    notify = connect(db, "postgres")
    ids = cron_ids(conn, flavor)
    while ids and not stop.wait(every):
        sql(
            conn,
            "INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, write_uid, "
            "create_date, write_date) SELECT id, now() at time zone 'UTC', 1, 1, "
            "now() at time zone 'UTC', now() at time zone 'UTC' FROM unnest(%s) id",
            [ids],
        )
        sql(notify, "SELECT pg_notify('cron_trigger', %s)", [dbname])
    conn.close()
    notify.close()


def server_counters(conn, dbname):
    """(statements, transactions, rows read) of ``dbname`` on one server."""
    stmts = sql(
        conn,
        "SELECT COALESCE(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d "
        "ON d.oid = s.dbid WHERE d.datname = %s",
        [dbname],
    )[0][0]
    xact, rows = sql(
        conn,
        "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched "
        "FROM pg_stat_database WHERE datname = %s",
        [dbname],
    )[0]
    return int(stmts), int(xact), int(rows)


@contextlib.contextmanager
def server(cmd, env):
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_http(port, proc, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            devenv.die(f"Odoo stopped at start (exit {proc.returncode})", 1)
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/login", timeout=5):
                return
        time.sleep(2)
    devenv.die("Odoo did not answer on /web/login", 1)


ODOO_LOG = {
    "cron_runs": re.compile(r"Job '.*' \(\d+\) done in"),
    "cron_failures": re.compile(r"Job '.*' \(\d+\) server action #\d+ failed"),
    "cron_timeouts": re.compile(r"Job '.*' \(\d+\) timed out"),
    "retried": re.compile(r"tries left, try again"),
    "retries_exhausted": re.compile(r"maximum number of tries reached"),
    "error_lines": re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.M),
}


def run_load(setup, label, dbname, flavor, extra=None):
    """One Locust run against one database; returns its summary dict.

    ``setup``: the run's ``args``, ``conf``, ``env``, ``db``, ``work``, ``locust``, ``out``."""
    args, conf, env, db = setup.args, setup.conf, setup.env, setup.db
    work, locust, out = setup.work, setup.locust, setup.out
    port, gevent_port = devenv.free_port(), devenv.free_port()
    log = work / f"odoo-{label}.log"
    (out / f"{label}_refusals.tsv").unlink(missing_ok=True)
    pglog = Path(db["pg_log"])
    pg_offset = pglog.stat().st_size
    primary = connect(db, dbname)
    replica_conn = extra and connect(db, dbname, port=extra["port"], host="127.0.0.1")
    sql(primary, "SELECT pg_stat_statements_reset()")
    if replica_conn:
        sql(replica_conn, "SELECT pg_stat_statements_reset()")
    odoo_args = [
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        f"--gevent-port={gevent_port}",
        "--workers=4",
        "--max-cron-threads=2",
        f"--logfile={log}",
    ]
    if extra:
        odoo_args += [f"--db_replica_host={extra['host']}", f"--db_replica_port={extra['port']}"]
    # odoo-bin itself: the prefork server re-runs sys.argv[0] for its gevent worker
    cmd = [sys.executable, str(setup.odoo_dir.parent / "odoo-bin"), "-c", str(conf)]
    cmd += ["-d", dbname, "--db-filter", f"^{dbname}$", *odoo_args]
    with server(cmd, env) as proc:
        wait_http(port, proc)
        say(f"[{label}] Odoo (4 workers, 2 cron threads) on 127.0.0.1:{port}; Locust starts")
        before = server_counters(primary, dbname)
        before_replica = replica_conn and server_counters(replica_conn, dbname)
        stop = threading.Event()
        forcer = threading.Thread(
            target=force_crons, args=(db, dbname, flavor, args.cron_every, stop), daemon=True
        )
        forcer.start()
        started = time.monotonic()
        rc = subprocess.run(
            [
                str(locust),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--only-summary",
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "-t",
                f"{args.duration}s",
                "--stop-timeout",
                "20",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(out / label),
                "--loglevel",
                "WARNING",
            ],
            env={
                **os.environ,
                "LOAD_DB": dbname,
                "LOAD_FLAVOR": flavor,
                "LOAD_USERS": str(args.users),
                "LOAD_REFUSALS": str(out / f"{label}_refusals.tsv"),
            },
            cwd=HERE,
            check=False,
        ).returncode
        elapsed = time.monotonic() - started
        stop.set()
        forcer.join(timeout=60)
        after = server_counters(primary, dbname)
        after_replica = replica_conn and server_counters(replica_conn, dbname)
    text = log.read_text(errors="replace")
    pg_text = pglog.read_text(errors="replace")[pg_offset:]
    summary = {name: len(rx.findall(text)) for name, rx in ODOO_LOG.items()}
    summary.update(
        label=label,
        locust_rc=rc,
        seconds=round(elapsed),
        deadlocks=pg_text.count("deadlock detected"),
        pg_serialization_errors=pg_text.count("could not serialize access"),
        primary_statements_per_s=round((after[0] - before[0]) / elapsed, 1),
        primary_transactions_per_s=round((after[1] - before[1]) / elapsed, 1),
        primary_rows_read_per_s=round((after[2] - before[2]) / elapsed),
    )
    if replica_conn:
        summary.update(
            replica_statements_per_s=round((after_replica[0] - before_replica[0]) / elapsed, 1),
            replica_transactions_per_s=round((after_replica[1] - before_replica[1]) / elapsed, 1),
            replica_rows_read_per_s=round((after_replica[2] - before_replica[2]) / elapsed),
        )
        replica_conn.close()
    with open(out / f"{label}_exceptions.csv", newline="") as fh:
        # a Python error in a Locust task: a bug of the scenario, not of Odoo
        summary["locust_exceptions"] = sum(int(r["Count"]) for r in csv.DictReader(fh))
    shutil.copy(log, out / f"odoo-{label}.log")
    primary.close()
    return summary


# -- results -------------------------------------------------------------------
def read_stats(out, label):
    """{(type, name): row} of Locust's ``<label>_stats.csv``."""
    rows = {}
    with open(out / f"{label}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Name"] != "Aggregated":
                rows[(row["Type"], row["Name"])] = row
            else:
                rows[("", "Aggregated")] = row
    return rows


def report(out, summaries, stats):
    lines = []
    for label, rows in stats.items():
        lines.append(f"\n== {label} ==")
        lines.append(
            f"{'operation':<24}{'type':<9}{'count':>7}{'fail':>6}{'p50':>7}{'p95':>7}"
            f"{'max':>8}{'req/s':>8}"
        )
        for (kind, name), row in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            lines.append(
                f"{name:<24}{kind:<9}{row['Request Count']:>7}{row['Failure Count']:>6}"
                f"{row['50%']:>7}{row['95%']:>7}{float(row['Max Response Time']):>8.0f}"
                f"{float(row['Requests/s']):>8.2f}"
            )
        summary = summaries[label]
        lines.append("  " + ", ".join(f"{k}={v}" for k, v in summary.items() if k != "label"))
        refusals = out / f"{label}_refusals.tsv"
        if refusals.exists():
            # what the users were refused, and why (business rules, not errors)
            seen = Counter(
                (name, message[:90])
                for name, _kind, message in (
                    line.split("\t", 2) for line in refusals.read_text().splitlines()
                )
            )
            lines.append("  refusals (business rules):")
            lines += [f"    {n:>4} {name}: {message}" for (name, message), n in seen.most_common()]
    if "standard" in stats and "plain" in stats:
        lines.append("\n== p95 crm_standard / plain crm, common operations (goal <= 1.3) ==")
        with open(out / "ratio.csv", "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["operation", "p95_standard_ms", "p95_plain_ms", "ratio"])
            for key, row in sorted(stats["standard"].items()):
                plain = stats["plain"].get(key)
                if not plain or key[0] != "POST" or not int(plain["Request Count"]):
                    continue
                ratio = float(row["95%"]) / max(float(plain["95%"]), 1.0)
                writer.writerow([key[1], row["95%"], plain["95%"], f"{ratio:.2f}"])
                flag = "" if ratio <= GOAL_RATIO else "  > goal"
                lines.append(
                    f"{key[1]:<24}{row['95%']:>7} ms /{plain['95%']:>7} ms = {ratio:.2f}{flag}"
                )
    with open(out / "summary.csv", "w", newline="") as fh:
        keys = sorted({k for s in summaries.values() for k in s})
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(summaries.values())
    text = "\n".join(lines)
    print(text, flush=True)
    (out / "report.txt").write_text(text + "\n")


INVARIANTS = {
    "duplicate reminders (step, due date)": """
        SELECT count(*) FROM (SELECT step_id, due_date FROM crm_standard_followup_reminder
                               GROUP BY 1, 2 HAVING count(*) > 1) d""",
    "salespeople over their claim limit (this period)": """
        SELECT count(*) FROM (
            SELECT c.user_id FROM crm_standard_pool_claim c
              JOIN res_company co ON co.id = c.company_id
             WHERE co.crm_pool_claim_limit > 0
               AND c.date >= date_trunc(co.crm_pool_claim_period, CURRENT_DATE)::date
             GROUP BY c.user_id, co.crm_pool_claim_limit
            HAVING count(*) > co.crm_pool_claim_limit) o""",
    "duplicate customer codes": """
        SELECT count(*) FROM (SELECT customer_code FROM res_partner
                               WHERE customer_code IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d""",
    "duplicate ticket numbers": """
        SELECT count(*) FROM (SELECT number FROM crm_standard_ticket
                               GROUP BY 1 HAVING count(*) > 1) d""",
    "customer code batches with a gap": """
        SELECT count(*) FROM (
            SELECT create_date, create_uid FROM res_partner
             WHERE customer_code ~ '^CUS[0-9]+$'
             GROUP BY 1, 2
            HAVING max(substring(customer_code FROM 4)::bigint)
                   - min(substring(customer_code FROM 4)::bigint) + 1 != count(*)) g""",
    "ticket number batches with a gap": """
        SELECT count(*) FROM (
            SELECT create_date, create_uid FROM crm_standard_ticket
             WHERE number ~ '[0-9]+$'
             GROUP BY 1, 2
            HAVING max(substring(number FROM '([0-9]+)$')::bigint)
                   - min(substring(number FROM '([0-9]+)$')::bigint) + 1 != count(*)) g""",
    "customers with two approved plans": """
        SELECT count(*) FROM (SELECT partner_id FROM crm_standard_followup_plan
                               WHERE state = 'approved' GROUP BY 1 HAVING count(*) > 1) d""",
    "released customers with an open reminder of their former owner": """
        SELECT count(*) FROM res_partner p
         WHERE p.user_id IS NULL AND p.crm_pool_previous_user_id IS NOT NULL
           AND (EXISTS (SELECT 1 FROM mail_activity a
                         WHERE a.res_model = 'res.partner' AND a.res_id = p.id
                           AND a.user_id = p.crm_pool_previous_user_id)
                OR EXISTS (SELECT 1 FROM crm_standard_followup_reminder r
                            WHERE r.partner_id = p.id AND r.state = 'open'
                              AND r.user_id = p.crm_pool_previous_user_id))""",
}
CONTEXT = {
    "customers released to the pool": "SELECT count(*) FROM res_partner "
    "WHERE user_id IS NULL AND crm_pool_previous_user_id IS NOT NULL",
    "pool claims": "SELECT count(*) FROM crm_standard_pool_claim",
    "open reminders": "SELECT count(*) FROM crm_standard_followup_reminder WHERE state = 'open'",
    "approved plans": "SELECT count(*) FROM crm_standard_followup_plan WHERE state = 'approved'",
    "approved change requests": "SELECT count(*) FROM crm_standard_change_request "
    "WHERE state = 'approved'",
    "tickets solved": "SELECT count(*) FROM crm_standard_ticket WHERE is_closed",
}


def invariants(db, dbname, out):
    conn = connect(db, dbname)
    broken = 0
    rows = []
    print("\n== invariants after the run (0 expected) ==")
    for name, query in INVARIANTS.items():
        value = sql(conn, query)[0][0]
        broken += bool(value)
        rows.append(["invariant", name, value])
        print(f"  {name}: {value}{'  BROKEN' if value else ''}")
    for name, query in CONTEXT.items():
        value = sql(conn, query)[0][0]
        rows.append(["count", name, value])
        print(f"  ({name}: {value})")
    conn.close()
    with open(out / "invariants.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["kind", "check", "value"])
        writer.writerows(rows)
    return broken


# -- main ------------------------------------------------------------------------
def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="seconds per run")
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="users started per second")
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--leads", type=int, default=30000)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--plans", type=int, default=2000)
    parser.add_argument("--submitted", type=int, default=300)
    parser.add_argument("--cron-every", type=float, default=15.0, help="seconds between triggers")
    parser.add_argument(
        "--runs",
        default="standard,plain,replica",
        help="which runs, in order: standard, plain, replica (comma-separated)",
    )
    parser.add_argument(
        "--replica-commit",
        choices=("remote_apply", "async"),
        default="remote_apply",
        help="remote_apply: a commit returns once the replica applied it (read-your-writes); "
        "async: plain streaming (reads may lag)",
    )
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "load" / "results"), help="CSV and report folder"
    )
    return parser.parse_args(argv)


def main(argv):
    args = parse(argv)
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    locust = ensure_locust()
    entry, odoo_dir = devenv.find_odoo()
    devenv.ensure_requirements()
    env = devenv.odoo_env(entry)
    work = Path(tempfile.mkdtemp(prefix="crmstd-load-"))
    cluster = devenv.ThrowawayCluster(
        extra_opts="-c shared_preload_libraries=pg_stat_statements -c wal_level=replica "
        "-c max_wal_senders=4 -c log_lock_waits=on"
    )
    replica = None
    summaries, stats, broken = {}, {}, 0
    try:
        db = cluster.start()
        db_conn = {k: v for k, v in db.items() if k.startswith("db_")}
        db["pg_log"] = str(cluster.base / "postgres.log")
        conf = devenv.write_config(work, odoo_dir, db_conn)
        std, plain = f"load_std_{os.getpid()}", f"load_plain_{os.getpid()}"
        if {"standard", "replica"} & set(runs):
            devenv.install_step(
                "install crm_standard with demo data", conf, env, work / "install.log", std
            )
            generate(conf, env, work, std, args)
        if "plain" in runs:
            devenv.odoo_step(
                f"install plain crm ({PLAIN_MODULES}) with demo data",
                conf,
                env,
                work / "install-plain.log",
                "-d",
                plain,
                "-i",
                PLAIN_MODULES,
            )
            generate(conf, env, work, plain, args)
        admin = connect(db, "postgres")
        setup = SimpleNamespace(
            args=args,
            conf=conf,
            env=env,
            db=db,
            work=work,
            locust=locust,
            out=out,
            odoo_dir=odoo_dir,
        )
        for name in (std, plain):
            if sql(admin, "SELECT 1 FROM pg_database WHERE datname = %s", [name]):
                with contextlib.closing(connect(db, name)) as conn:
                    sql(conn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                    sql(conn, "VACUUM ANALYZE")
        for run in runs:
            if run == "standard":
                summaries[run] = run_load(setup, run, std, "standard")
                broken += invariants(db, std, out)
            elif run == "plain":
                summaries[run] = run_load(setup, run, plain, "plain")
            elif run == "replica":
                if args.replica_commit == "remote_apply":
                    # a commit returns once the standby applied it: the user's next
                    # read, sent to the replica, sees it
                    sql(admin, "ALTER SYSTEM SET synchronous_standby_names = '*'")
                    sql(admin, "SELECT pg_reload_conf()")
                    sql(admin, f'ALTER DATABASE "{std}" SET synchronous_commit = remote_apply')
                replica = Replica(cluster)
                replica.start()
                summaries[run] = run_load(
                    setup,
                    run,
                    std,
                    "standard",
                    extra={"host": "127.0.0.1", "port": replica.port},
                )
                summaries[run]["replica_commit"] = args.replica_commit
                broken += invariants(db, std, out)
            stats[run] = read_stats(out, run)
        admin.close()
        report(out, summaries, stats)
        shutil.copy(cluster.base / "postgres.log", out / "postgres.log")
    finally:
        if replica:
            replica.stop()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    failures = sum(int(s[("", "Aggregated")]["Failure Count"]) for s in stats.values())
    deadlocks = sum(s["deadlocks"] for s in summaries.values())
    failures += sum(s["locust_exceptions"] + s["retries_exhausted"] for s in summaries.values())
    say(
        f"results in {out}: {failures} failures seen by users, {deadlocks} deadlocks, "
        f"{broken} broken invariants"
    )
    return 1 if failures or deadlocks or broken else 0

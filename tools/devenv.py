#!/usr/bin/env python3
"""Development harness for crm_standard: ``run``, ``test`` and ``bench``.

It finds Odoo 18.0 (importable ``odoo`` or ``ODOO_PATH``), installs the
project's Python requirements, and, when no PostgreSQL is configured through
the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD), starts a throwaway
cluster under a temporary directory, listening on a unix socket and
127.0.0.1 only, and removes it afterwards.
"""

import argparse
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "crm_standard"
# optional bridges next to the addon (auto_install with an Odoo module): installed
# and tested after the addon's own suite, which runs without them
BRIDGES = ("crm_standard_project",)
PG_VARS = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")
DB_ROLE = "odoo"


def say(msg):
    print(f"[devenv] {msg}", flush=True)


def die(msg, code=2):
    print(f"[devenv] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


# --------------------------------------------------------------------------
# Odoo
# --------------------------------------------------------------------------
def find_odoo():
    """Return (python_path_entry or None, odoo package dir). Exit if absent."""
    odoo_path = os.environ.get("ODOO_PATH")
    if odoo_path:
        base = Path(odoo_path).expanduser().resolve()
        if (base / "odoo" / "release.py").is_file():
            entry = base
        elif (base / "release.py").is_file():
            entry = base.parent
        else:
            die(
                f"ODOO_PATH={odoo_path} does not contain Odoo: expected "
                f"{base}/odoo/release.py (the folder holding odoo-bin)."
            )
        sys.path.insert(0, str(entry))
    else:
        entry = None
    try:
        from odoo import release  # pylint: disable=import-outside-toplevel
    except ImportError:
        die(
            "Odoo 18.0 is not importable by this Python "
            f"({sys.executable}).\n"
            "  Provide it in one of two ways:\n"
            "  - install Odoo 18.0 Community so that `python3 -c 'import odoo'` "
            "works (its requirements.txt plus `phonenumbers`), or\n"
            "  - point ODOO_PATH at an Odoo 18.0 source folder (the one holding "
            "odoo-bin), e.g. `make test ODOO_PATH=/opt/odoo18`."
        )
    if release.version_info[0] != 18:
        die(f"Odoo {release.version} found, crm_standard needs 18.0.")
    odoo_dir = Path(release.__file__).resolve().parent
    return entry, odoo_dir


def odoo_env(entry):
    env = dict(os.environ)
    if entry:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(entry), env.get("PYTHONPATH")) if p)
    return env


def ensure_requirements():
    req = ROOT / "requirements.txt"
    missing = []
    for line in req.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]
        mod = {
            "pytest-odoo": "pytest_odoo",
            "psycopg2-binary": "psycopg2",
            "websocket-client": "websocket",
        }.get(name, name.replace("-", "_"))
        try:
            __import__(mod)
        except ImportError:
            missing.append(line)
    if missing:
        say(f"installing Python requirements: {', '.join(missing)}")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "-r", str(req)],
            check=True,
        )


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------
def pg_bindir():
    for cand in sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(re.search(r"/(\d+)/bin", p).group(1)),
        reverse=True,
    ):
        return Path(cand).parent
    found = shutil.which("initdb") or shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    return None


def apt_install(*packages):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        check=True,
        env=env,
    )


# names Odoo's HttpCase looks for (odoo.tests.common.ChromeBrowser)
BROWSERS = ("google-chrome", "google-chrome-stable", "chromium", "chromium-browser")


def ensure_browser():
    """The browser tours (``HttpCase.start_tour``) need Chromium; without it
    Odoo skips them silently, so install it (Debian) when we can."""
    if any(shutil.which(name) for name in BROWSERS):
        return
    if os.geteuid() != 0:
        say(
            "WARNING: no Chromium found: the browser tours will be SKIPPED "
            "(Debian: `sudo apt-get install chromium`)"
        )
        return
    say("installing Chromium for the browser tours (apt-get install chromium)")
    apt_install("chromium")


def ensure_pg_server():
    bindir = pg_bindir()
    if bindir:
        return bindir
    if os.geteuid() != 0:
        die(
            "no PostgreSQL server binaries (initdb) found. Install them "
            "(Debian: `sudo apt-get install postgresql`) or set PGHOST/PGPORT/"
            "PGUSER/PGPASSWORD to use an existing server."
        )
    say("installing PostgreSQL server (apt-get install postgresql)")
    apt_install("postgresql")
    bindir = pg_bindir()
    if not bindir:
        die("apt-get installed postgresql but initdb is still missing")
    return bindir


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _service_user():
    """initdb refuses root: run the cluster as a non-root account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "crmstd"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "crmstd"],
        check=True,
    )
    return "crmstd"


class ThrowawayCluster:
    """A PostgreSQL cluster in a temp dir, trust auth, socket + 127.0.0.1."""

    def __init__(self, extra_opts=""):
        self.extra_opts = extra_opts  # more ``postgres`` options, e.g. "-c wal_level=replica"
        self.bindir = ensure_pg_server()
        self.user = _service_user()
        self.base = Path(tempfile.mkdtemp(prefix="crmstd-pg-"))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.port = free_port()

    def _cmd(self, args):
        if self.user:
            return ["runuser", "-u", self.user, "--", *args]
        return args

    def start(self):
        self.sock.mkdir()
        if self.user:
            shutil.chown(self.base, self.user)
            shutil.chown(self.sock, self.user)
        os.chmod(self.base, 0o755)
        subprocess.run(
            self._cmd(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    DB_ROLE,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        opts = (
            f"-k {self.sock} -h 127.0.0.1 -p {self.port} -F "
            "-c synchronous_commit=off -c full_page_writes=off "
            f"-c max_connections=200 {self.extra_opts}"
        )
        subprocess.run(
            self._cmd(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    opts,
                    "-l",
                    str(self.base / "postgres.log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        say(f"throwaway PostgreSQL on {self.sock} and 127.0.0.1:{self.port}")
        return {
            "db_host": str(self.sock),
            "db_port": str(self.port),
            "db_user": DB_ROLE,
            "db_password": "",
        }

    def stop(self):
        subprocess.run(
            self._cmd(
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
            ),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.base, ignore_errors=True)
        say("throwaway PostgreSQL stopped and removed")


@contextlib.contextmanager
def postgres():
    if any(os.environ.get(v) for v in PG_VARS):
        say("using the PostgreSQL given by PGHOST/PGPORT/PGUSER/PGPASSWORD")
        yield {
            "external": True,
            "db_host": os.environ.get("PGHOST", ""),
            "db_port": os.environ.get("PGPORT", ""),
            "db_user": os.environ.get("PGUSER", ""),
            "db_password": os.environ.get("PGPASSWORD", ""),
        }
        return
    cluster = ThrowawayCluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


# --------------------------------------------------------------------------
# Odoo runs
# --------------------------------------------------------------------------
def write_config(workdir, odoo_dir, db, http_port=None):
    addons = [str(ROOT), str(odoo_dir.parent / "addons"), str(odoo_dir / "addons")]
    addons = [a for a in addons if Path(a).is_dir()]
    lines = [
        "[options]",
        f"addons_path = {','.join(addons)}",
        f"data_dir = {workdir / 'data'}",
        "list_db = False",
        "max_cron_threads = 1" if http_port else "max_cron_threads = 0",
    ]
    lines += [f"{k} = {v}" for k, v in db.items() if v and k.startswith("db_")]
    if http_port:
        lines += ["http_interface = 127.0.0.1", f"http_port = {http_port}"]
    conf = workdir / "odoo.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


ODOO_MAIN = "import odoo.cli, sys; sys.argv[0] = 'odoo'; odoo.cli.main()"
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.M)


def odoo_cmd(conf, *args):
    return [sys.executable, "-c", ODOO_MAIN, "-c", str(conf), *args]


def logged_step(title, cmd, env, log):
    """Run a non-interactive command into ``log``; fail on exit code or ERROR lines."""
    start = time.monotonic()
    with open(log, "w") as fh:
        rc = subprocess.run(cmd, env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT).returncode
    text = Path(log).read_text()
    errors = [m.group(0) for m in LOG_ERROR.finditer(text)]
    took = time.monotonic() - start
    if rc or errors:
        lines = text.splitlines()
        # the ERROR lines with their tracebacks first: the tail may not hold them
        for number, line in enumerate(lines):
            if LOG_ERROR.search(line):
                sys.stdout.write("\n".join(lines[number : number + 25])[:4000] + "\n...\n")
        sys.stdout.write(text[-6000:])
        die(f"{title}: FAILED (exit {rc}, {len(errors)} ERROR lines) - log {log}", 1)
    say(f"{title}: ok ({took:.0f} s)")


def odoo_step(title, conf, env, log, *args):
    """Run a non-interactive Odoo command (see ``logged_step``): ``args`` are
    followed by ``--stop-after-init --no-http``."""
    logged_step(title, odoo_cmd(conf, *args, "--stop-after-init", "--no-http"), env, log)


def install_step(title, conf, env, log, dbname, *, demo=True, modules=(MODULE,)):
    """Install crm_standard (or ``modules``) into database ``dbname`` (see ``odoo_step``)."""
    args = ["-d", dbname, "-i", ",".join(modules)]
    if not demo:
        args.append("--without-demo=all")
    odoo_step(title, conf, env, log, *args)


def drop_databases(db, names):
    import psycopg2  # pylint: disable=import-outside-toplevel

    params = {k[3:]: v for k, v in db.items() if k.startswith("db_") and v}
    params["dbname"] = "postgres"
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    with conn.cursor() as cr:
        for name in names:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


@contextlib.contextmanager
def odoo_session(purpose, http_port=None):
    """Odoo found, requirements installed, a PostgreSQL (throwaway unless
    configured) and an Odoo config in a temporary folder, removed afterwards.

    Yields ``(conf, env, db, work, odoo_dir)``: the config path, the
    environment for Odoo subprocesses, the connection parameters, the
    temporary folder and the ``odoo`` package folder.
    """
    entry, odoo_dir = find_odoo()
    ensure_requirements()
    env = odoo_env(entry)
    work = Path(tempfile.mkdtemp(prefix=f"crmstd-{purpose}-"))
    try:
        with postgres() as db:
            conf = write_config(work, odoo_dir, db, http_port=http_port)
            yield conf, env, db, work, odoo_dir
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cmd_test(args):
    ensure_browser()
    with odoo_session("test") as (conf, env, db, work, odoo_dir):
        suffix = f"{os.getpid()}"
        db_test = f"crmstd_test_{suffix}"
        db_nodemo = f"crmstd_nodemo_{suffix}"
        if not args.quick:
            install_step(
                "install without demo data", conf, env, work / "nodemo.log", db_nodemo, demo=False
            )
        targets = list(args.pytest_args)
        # bridge tests asked for by path: their bridge is installed with the addon
        asked = asked_bridges(targets)
        install_step(
            "install with demo data" + "".join(f" + {b}" for b in asked),
            conf,
            env,
            work / "install.log",
            db_test,
            modules=(MODULE, *asked),
        )
        if not args.quick:
            odoo_step(
                "upgrade (-u crm_standard)",
                conf,
                env,
                work / "upgrade.log",
                "-d",
                db_test,
                "-u",
                MODULE,
            )
        pytest = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "tools.pytest_odoo_quiet",
            f"--odoo-config={conf}",
            f"--odoo-database={db_test}",
            "--odoo-log-level=warn",
        ]
        if not any(Path(a.split("::")[0]).exists() for a in targets):
            targets.append(str(ROOT / MODULE / "tests"))
        say("pytest " + " ".join(targets))
        # HttpCase tests (JSON-RPC routes, browser tours) need the HTTP server
        pytest.append("--odoo-http")
        rc = subprocess.run([*pytest, *targets], env=env, cwd=ROOT).returncode
        upstream = odoo_dir.parent / "addons" / "crm" / "tests"
        if not args.quick and not args.pytest_args and upstream.is_dir():
            # crm_standard must not break Odoo's own CRM, its UI tours included
            say(f"pytest {upstream} (Odoo's crm tests, crm_standard installed)")
            up_rc = subprocess.run([*pytest, "-q", str(upstream)], env=env, cwd=ROOT).returncode
            rc = rc or up_rc
        if not args.pytest_args:
            rc = test_bridges(pytest, conf, env, work, db_test) or rc
        if not args.quick:
            uninstall_step(conf, env, work, db_test)
        if db.get("external"):
            drop_databases(db, (db_test, db_nodemo))
        return rc


def asked_bridges(targets):
    """The bridges whose folder holds one of the pytest ``targets``."""
    paths = [Path(a.split("::")[0]).resolve() for a in targets if not a.startswith("-")]
    return [b for b in BRIDGES if any(ROOT / b == p or ROOT / b in p.parents for p in paths)]


def test_bridges(pytest, conf, env, work, dbname):
    """Install each bridge into the tested database (with its Odoo module), then
    run its tests; returns the first failing exit code, else 0."""
    rc = 0
    for bridge in BRIDGES:
        if not (ROOT / bridge / "__manifest__.py").is_file():
            continue
        odoo_step(
            f"install {bridge}", conf, env, work / f"{bridge}.log", "-d", dbname, "-i", bridge
        )
        say(f"pytest {bridge}/tests")
        bridge_rc = subprocess.run([*pytest, str(ROOT / bridge / "tests")], env=env, cwd=ROOT)
        rc = rc or bridge_rc.returncode
    return rc


def merge_po(pot_path, po_path):
    """Update a .po from the .pot: keep translations by msgid, drop obsolete."""
    import polib  # pylint: disable=import-outside-toplevel

    pot = polib.pofile(str(pot_path))
    old = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
    known = {(e.msgctxt, e.msgid): e.msgstr for e in old if e.msgstr}
    known_by_id = {e.msgid: e.msgstr for e in old if e.msgstr}
    po = polib.POFile(wrapwidth=78)
    po.metadata = old.metadata or pot.metadata
    po.metadata["Language"] = po_path.stem
    missing = 0
    for entry in pot:
        entry.msgstr = known.get((entry.msgctxt, entry.msgid)) or known_by_id.get(entry.msgid, "")
        missing += not entry.msgstr
        po.append(entry)
    po.save(str(po_path))
    return len(po), missing


def cmd_i18n(args):
    """Export crm_standard.pot and merge it into every .po of the addon."""
    i18n = ROOT / MODULE / "i18n"
    with odoo_session("i18n") as (conf, env, db, work, _odoo_dir):
        name = f"crmstd_i18n_{os.getpid()}"
        install_step(
            "install crm_standard (no demo)", conf, env, work / "install.log", name, demo=False
        )
        pot = i18n / f"{MODULE}.pot"
        odoo_step(
            "export the .pot",
            conf,
            env,
            work / "export.log",
            "-d",
            name,
            f"--i18n-export={pot}",
            f"--modules={MODULE}",
        )
        for po_path in sorted(i18n.glob("*.po")):
            total, missing = merge_po(pot, po_path)
            say(f"{po_path.name}: {total} terms, {missing} untranslated")
        if db.get("external"):
            drop_databases(db, (name,))
    return 0


@contextlib.contextmanager
def odoo_server(conf, env, dbname, *args, **popen_kwargs):
    """Odoo serving ``dbname`` over HTTP (the port of ``conf``) while the block runs.

    ``args``: more Odoo options; ``popen_kwargs``: for ``subprocess.Popen``
    (e.g. ``stdout`` to a log file). Yields the process; stops it afterwards.
    """
    cmd = odoo_cmd(conf, "-d", dbname, "--db-filter", f"^{dbname}$", *args)
    proc = subprocess.Popen(cmd, env=env, **popen_kwargs)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def cmd_run(args):
    with odoo_session("run", http_port=args.port) as (conf, env, db, work, _odoo_dir):
        dbname = args.database
        install_step("install crm_standard with demo data", conf, env, work / "install.log", dbname)
        say(
            f"Odoo is starting: http://127.0.0.1:{args.port}/odoo  "
            "(login: admin / password: admin). Ctrl+C stops it."
        )
        with odoo_server(conf, env, dbname) as proc:

            def stop_odoo(_signum, _frame):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)

            # Ctrl+C or a kill: let Odoo shut down, then the cluster is removed
            signal.signal(signal.SIGINT, stop_odoo)
            signal.signal(signal.SIGTERM, stop_odoo)
            return proc.wait()


BENCH_MAIN = """
import contextlib, runpy, sys
sys.stdout.reconfigure(line_buffering=True)  # bench output shows as it comes
import odoo
from odoo.tools import config
conf, dbname, script, *args = sys.argv[1:]
config.parse_config(["-c", conf, "-d", dbname])
registry = odoo.modules.registry.Registry(dbname)
plain_db = args.pop(0)[len("--plain-db="):] if args[:1] and args[0].startswith("--plain-db=") else None
with contextlib.ExitStack() as stack:
    cr = stack.enter_context(registry.cursor())
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    init = {"env": env}
    if plain_db:  # a second database without crm_standard, same process (bench --plain)
        plain_cr = stack.enter_context(odoo.modules.registry.Registry(plain_db).cursor())
        init["plain_env"] = odoo.api.Environment(plain_cr, odoo.SUPERUSER_ID, {})
    sys.argv = [script, *args]
    runpy.run_path(script, init_globals=init, run_name="__main__")
    cr.commit()
"""


UNINSTALL_MAIN = """
import sys
import odoo
from odoo.tools import config
conf, dbname, module = sys.argv[1:]
config.parse_config(["-c", conf, "-d", dbname])
registry = odoo.modules.registry.Registry(dbname)
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    env["ir.module.module"].search([("name", "=", module)]).button_immediate_uninstall()
with registry.cursor() as cr:
    left = []
    cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [module])
    if cr.fetchone()[0] != "uninstalled":
        left.append("module state")
    cr.execute("SELECT count(*) FROM ir_model_data WHERE module = %s", [module])
    left += ["%s xml ids" % n for (n,) in [cr.fetchone()] if n]
    cr.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE %s",
        [module + "%"],
    )
    left += ["table " + t for (t,) in cr.fetchall()]
    cr.execute(
        "SELECT table_name || '.' || column_name FROM information_schema.columns "
        "WHERE table_name IN ('res_partner', 'crm_lead', 'res_company') "
        "AND (column_name LIKE 'crm\\_%' OR column_name IN ('customer_code', "
        "'customer_grade', 'lifecycle_stage', 'revenue_12m'))"
    )
    left += ["column " + c for (c,) in cr.fetchall()]
    print("left after uninstall: " + (", ".join(left) or "nothing"))
    sys.exit(1 if left else 0)
"""


def uninstall_step(conf, env, work, dbname):
    """Uninstall the module (with its data) and check it leaves nothing."""
    logged_step(
        "uninstall (with demo data, after the tests)",
        [sys.executable, "-c", UNINSTALL_MAIN, str(conf), dbname, MODULE],
        env,
        work / "uninstall.log",
    )


def cmd_bench(args):
    """Run a bench/ script with ``env`` on a fresh database with crm_standard."""
    script = Path(args.script)
    if not script.is_file():
        script = ROOT / args.script
    if not script.is_file():
        die(f"bench script {args.script} not found")
    # options of the script's "# devenv-bench: ..." line (e.g. --demo --plain=crm,...)
    found = re.search(r"^# devenv-bench:(.*)$", script.read_text(), re.M)
    wanted = (found.group(1).split() if found else []) + getattr(args, "options", [])
    demo = "--demo" in wanted
    plain = next((o.split("=", 1)[1] for o in wanted if o.startswith("--plain=")), None)
    with odoo_session("bench") as (conf, env, db, work, _odoo_dir):
        dbname = f"crmstd_bench_{os.getpid()}"
        names = [dbname]
        script_args = list(args.script_args)
        if plain:
            # the same demo data without crm_standard: the script compares both
            names.append(f"{dbname}_plain")
            odoo_step(
                f"install {plain} (plain Odoo)",
                conf,
                env,
                work / "install_plain.log",
                *("-d", names[1], "-i", plain),
                *(() if demo else ("--without-demo=all",)),
            )
            script_args.insert(0, f"--plain-db={names[1]}")
        install_step(
            f"install crm_standard {'with' if demo else 'without'} demo data",
            conf,
            env,
            work / "install.log",
            dbname,
            demo=demo,
        )
        say(f"bench {script.name} {' '.join(args.script_args)}")
        rc = subprocess.run(
            [
                sys.executable,
                "-c",
                BENCH_MAIN,
                str(conf),
                dbname,
                str(script),
                *script_args,
            ],
            env=env,
            cwd=ROOT,
        ).returncode
        if db.get("external"):
            drop_databases(db, names)
        return rc


def cmd_load(args):
    """The load test: ``bench/load/run.py`` with this module's helpers."""
    sys.path.insert(0, str(ROOT / "bench" / "load"))
    import run  # pylint: disable=import-outside-toplevel,import-error

    return run.main(args.script_args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_test = sub.add_parser("test", help="install checks + the pytest-odoo suite")
    p_test.add_argument(
        "--quick", action="store_true", help="skip the no-demo install and the upgrade check"
    )
    p_test.add_argument("pytest_args", nargs="*", help="pytest targets/options")
    sub.add_parser("i18n", help="export the .pot and merge it into the .po files")
    p_run = sub.add_parser("run", help="serve Odoo with crm_standard and demo data")
    p_run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8069")))
    p_run.add_argument("--database", default="crm_standard_demo")
    p_bench = sub.add_parser(
        "bench", help="run a bench/ script (global `env`) on a fresh database with crm_standard"
    )
    # before the script (see main): --demo (demo data), --plain=MODULES (also a
    # database with MODULES only, given to the script as plain_env); a script's
    # "# devenv-bench: ..." line adds its own
    p_bench.add_argument("script", help="e.g. bench/bench_grading.py")
    p_bench.add_argument("script_args", nargs="*", help="passed to the script, e.g. --n 20000")
    p_load = sub.add_parser(
        "load", help="the load test (bench/load/run.py): prefork Odoo, Locust, crons; not for CI"
    )
    p_load.add_argument("script_args", nargs="*", help="passed to bench/load/run.py")
    argv = sys.argv[1:]
    if argv[:1] == ["test"]:
        # everything but our own flag goes to pytest, in order
        args = parser.parse_args([a for a in argv if a in {"test", "--quick"}])
        args.pytest_args = [a for a in argv[1:] if a != "--quick"]
    elif argv[:1] == ["load"]:
        args = parser.parse_args(argv[:1])
        args.script_args = argv[1:]
    elif argv[:1] == ["bench"] and len(argv) > 1:
        # our options, the script, then everything after it goes to the script
        at = next((i for i, a in enumerate(argv[1:], 1) if not a.startswith("--")), len(argv))
        args = parser.parse_args(["bench", *argv[at : at + 1]])
        args.options = argv[1:at]
        args.script_args = argv[at + 1 :]
    else:
        args = parser.parse_args(argv)
    commands = {
        "test": cmd_test,
        "run": cmd_run,
        "i18n": cmd_i18n,
        "bench": cmd_bench,
        "load": cmd_load,
    }
    sys.exit(commands[args.command](args))


if __name__ == "__main__":
    main()

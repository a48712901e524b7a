#!/usr/bin/env python3
"""Screenshots of the web client for the Apps page and the README (``make screenshots``).

Installs crm_standard with its demo data on a throwaway PostgreSQL (through
``devenv.py``), serves it, logs in as admin/admin and drives headless
Chromium over the DevTools protocol (``websocket-client``) to capture each
screen of ``SHOTS`` into ``crm_standard/static/description/<name>.png``.
Run it again after a UI change; ``--only NAME`` retakes some of them.
"""

import argparse
import base64
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import devenv

OUT = devenv.ROOT / devenv.MODULE / "static" / "description"
WIDTH, HEIGHT = 1280, 800
# name: action (xml id), record (xml id, to open its form), tab (notebook page to
# open), show (CSS selectors that must be on screen), scroll (CSS selector of a block
# to scroll into view)
SHOTS = {
    "customer_form": {
        "action": "crm_standard.crm_standard_customer_action",
        "record": "crm_standard.partner_demo_huaxin",
        "tab": "crm_profile",
        "scroll": ".o_notebook .tab-content",
        "show": ".o_field_widget[name='crm_grade_computed'], [name='crm_grade_badge']",
    },
    "customers_kanban": {
        "action": "crm_standard.crm_standard_customer_action",
        "show": ".o_kanban_view .o_kanban_record, .o_search_panel_section",
    },
    "followup_plans_kanban": {
        "action": "crm_standard.crm_standard_followup_plan_action",
        "show": ".o_kanban_view .o_kanban_record",
    },
    "ticket_form": {
        "action": "crm_standard.crm_standard_ticket_action",
        "record": "crm_standard.ticket_demo_jinhe_complaint",
        "tab": "sla",
        "scroll": ".o_notebook .tab-content",
        "show": ".o_field_widget[name='sla_status'], .o_field_widget[name='resolution_deadline']",
    },
    "public_pool_list": {
        "action": "crm_standard.crm_standard_pool_action",
        "show": ".o_list_view .o_data_row",
    },
    # Dashboards app: admin's first dashboard is CRM Standard (group Sales, sequence 50);
    # a client action (no view controller), ready when the figures are computed
    "dashboard_crm_standard": {
        "action": "spreadsheet_dashboard.ir_actions_dashboard_action",
        "loaded": ".o_spreadsheet_dashboard_action .o-grid",
        "show": ".o_search_panel_category_value.active[data-name='CRM Standard'], .o-figure",
        "ready": "dashboard_figures",
    },
}
# the view is loaded and nothing is loading any more
LOADED_JS = """!!document.querySelector(%s)
    && !document.querySelector(".o_loading_indicator, .o_blockUI, .o_spinner")
    && document.readyState === 'complete'"""
VIEW = ".o_action_manager .o_view_controller"
# extra conditions: a spreadsheet dashboard's figures are computed (its Data sheet's
# B2:B9 hold no error; see static/tests/tours/crm_standard_dashboard_tour.js)
EXTRA_JS = {
    "dashboard_figures": """(() => {
        const nodes = [odoo.__WOWL_DEBUG__.root.__owl__];
        while (nodes.length) {
            const node = nodes.pop();
            const model = node.component.state?.activeDashboard?.model;
            if (model) {
                const sheetId = model.getters.getSheetIdByName("Data");
                const figures = [1, 2, 3, 4, 5, 6, 7, 8].every((row) => {
                    const cell = model.getters.getEvaluatedCell({ sheetId, col: 1, row });
                    return typeof cell.value === "number" || cell.value === "";
                });
                // the first KPI of the list (A11 of the dashboard sheet) is loaded too
                const dashboardId = model.getters.getSheetIds()[0];
                const kpi = model.getters.getEvaluatedCell({ sheetId: dashboardId, col: 0, row: 10 });
                return figures && typeof kpi.value === "string" && kpi.value !== "" &&
                    kpi.type !== "error";
            }
            nodes.push(...Object.values(node.children));
        }
        return false;
    })()""",
}
READY_JS = """(() => %s.split(", ").every((s) => document.querySelector(s)) && (%s))()"""
TAB_JS = """(() => {
    const tab = document.querySelector(%s);
    if (tab) { tab.click(); }
    return !!tab;
})()"""
# the block at the bottom of the screen: as much as possible of the top of the form stays
SCROLL_JS = """document.querySelector(%s).scrollIntoView({block: "end"})"""


def wait_for(predicate, timeout, what, on_timeout=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            result = predicate()
            if result:
                return result
        time.sleep(0.5)
    if on_timeout:
        on_timeout()
    devenv.die(f"timed out after {timeout} s waiting for {what}", 1)


class Browser:
    """Headless Chromium driven through the DevTools protocol (one page)."""

    FLAGS = (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--remote-allow-origins=*",
    )

    def __init__(self, binary, log):
        import websocket  # pylint: disable=import-outside-toplevel

        self.profile = tempfile.mkdtemp(prefix="crmstd-chromium-")
        self.port = devenv.free_port()
        self.proc = subprocess.Popen(
            [
                binary,
                *self.FLAGS,
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={self.port}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{self.port}"
        page = wait_for(
            lambda: next(
                (
                    t
                    for t in json.load(urllib.request.urlopen(f"{base}/json", timeout=5))
                    if t["type"] == "page"
                ),
                None,
            ),
            30,
            "Chromium's DevTools",
        )
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
        )
        self.ids = 0
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def call(self, method, **params):
        self.ids += 1
        self.ws.send(json.dumps({"id": self.ids, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.ids:  # events in between are not needed
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['result'].get('description')}")
        return result.get("result", {}).get("value")

    def close(self):
        with contextlib.suppress(Exception):
            self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class Odoo:
    """A JSON-RPC session of admin on the served demo database."""

    def __init__(self, base, dbname):
        import requests  # pylint: disable=import-outside-toplevel

        self.base = base
        self.http = requests.Session()
        wait_for(
            lambda: self.http.get(f"{base}/web/login", timeout=5).ok, 120, "Odoo's HTTP server"
        )
        self.rpc("/web/session/authenticate", db=dbname, login="admin", password="admin")
        self.session_id = self.http.cookies["session_id"]

    def rpc(self, path, **params):
        response = self.http.post(
            f"{self.base}{path}", json={"jsonrpc": "2.0", "params": params}, timeout=60
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            devenv.die(f"{path}: {body['error']['data']['message']}", 1)
        return body["result"]

    def res_id(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.rpc(
            "/web/dataset/call_kw",
            model="ir.model.data",
            method="search_read",
            args=[[("module", "=", module), ("name", "=", name)], ["res_id"]],
            kwargs={},
        )
        if not rows:
            devenv.die(f"{xmlid} not found in the demo database", 1)
        return rows[0]["res_id"]


def save_png(data, path):
    """Write the screenshot with a 256-colour palette: a third of the size, same look."""
    from PIL import Image  # pylint: disable=import-outside-toplevel

    image = Image.open(io.BytesIO(data)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def screenshot(browser, path):
    png = browser.call("Page.captureScreenshot", format="png")
    save_png(base64.b64decode(png["data"]), path)


def capture(browser, odoo, names):
    browser.call(
        "Network.setCookie",
        name="session_id",
        value=odoo.session_id,
        domain="127.0.0.1",
        path="/",
        httpOnly=True,
    )
    for name in names:
        shot = SHOTS[name]
        url = f"{odoo.base}/odoo/action-{shot['action']}"
        if shot.get("record"):
            url += f"/{odoo.res_id(shot['record'])}"
        failed = Path(tempfile.gettempdir()) / f"crmstd_screenshot_{name}_failed.png"

        def wait(js, timeout, step, url=url, failed=failed):
            def on_timeout():
                screenshot(browser, failed)
                devenv.say(f"the screen when it gave up: {failed}")

            wait_for(lambda: browser.evaluate(js), timeout, f"{step} - {url}", on_timeout)

        browser.call("Page.navigate", url="about:blank")  # not the previous screen
        browser.call("Page.navigate", url=url)
        loaded = LOADED_JS % json.dumps(shot.get("loaded", VIEW))
        wait(loaded, 90, f"{name}: the view")
        if shot.get("tab"):
            tab = f".o_notebook .nav-link[name='{shot['tab']}']"
            wait(TAB_JS % json.dumps(tab), 30, f"{name}: the tab {shot['tab']}")
        ready = READY_JS % (json.dumps(shot["show"]), loaded)
        if shot.get("ready"):
            ready = f"({ready}) && {EXTRA_JS[shot['ready']]}"
        wait(ready, 60, f"{name}: {shot['show']}")
        if shot.get("scroll"):
            browser.evaluate(SCROLL_JS % json.dumps(shot["scroll"]))
        time.sleep(1.5)  # the last renderings (badges, avatars, fonts)
        wait(ready, 30, f"{name}: {shot['show']} (again)")
        path = OUT / f"{name}.png"
        screenshot(browser, path)
        devenv.say(f"{path.relative_to(devenv.ROOT)}: {path.stat().st_size // 1024} KiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(SHOTS), help="repeatable")
    args = parser.parse_args()
    names = args.only or list(SHOTS)
    devenv.ensure_browser()
    binary = next((shutil.which(b) for b in devenv.BROWSERS if shutil.which(b)), None)
    if not binary:
        devenv.die("no Chromium found (Debian: `sudo apt-get install chromium`)")
    port = devenv.free_port()
    with devenv.odoo_session("screenshots", http_port=port) as (conf, env, db, work, _odoo):
        dbname = f"crmstd_shots_{os.getpid()}"
        devenv.install_step(
            "install crm_standard with demo data", conf, env, work / "install.log", dbname
        )
        with (
            open(work / "odoo.log", "w") as odoo_log,
            open(work / "chromium.log", "w") as browser_log,
            # no cron thread: the screens show the demo data as installed
            devenv.odoo_server(
                conf, env, dbname, "--max-cron-threads=0", stdout=odoo_log, stderr=subprocess.STDOUT
            ),
        ):
            odoo = Odoo(f"http://127.0.0.1:{port}", dbname)
            browser = Browser(binary, browser_log)
            try:
                capture(browser, odoo, names)
            except SystemExit:
                # the server's errors, if any, before the log is removed
                odoo_log.flush()
                for error in devenv.LOG_ERROR.finditer((work / "odoo.log").read_text()):
                    devenv.say(f"odoo.log: {error.string[error.start() :].splitlines()[0]}")
                raise
            finally:
                browser.close()
        if db.get("external"):
            devenv.drop_databases(db, (dbname,))
    return 0


if __name__ == "__main__":
    sys.exit(main())

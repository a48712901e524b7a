#!/usr/bin/env python3
"""Screenshots of the web client for the Apps page and the README (``make screenshots``).

Installs crm_standard with its demo data on a throwaway PostgreSQL (through
``devenv.py``), serves it, logs in as admin/admin and drives headless
Chromium over the DevTools protocol (``websocket-client``) to capture each
screen of ``SHOTS`` into ``crm_standard/static/description/<name>.png`` (English)
and ``<name>_zh_CN.png`` (Chinese: the demo database is installed with zh_CN
loaded and admin's language is switched between the two rounds). Run it again
after a UI change; ``--only NAME`` retakes some of them, ``--lang`` some languages.
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
# to scroll into view); or url (a page outside the web client, such as a token link,
# "{record}" replaced by the record's id) instead of action
SHOTS = {
    "customer_form": {
        "action": "crm_standard.crm_standard_customer_action",
        "record": "crm_standard.partner_demo_huaxin",
        "tab": "crm_profile",
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
    "service_proposal_form": {
        "action": "crm_standard.crm_standard_service_proposal_action",
        "record": "crm_standard.proposal_demo_jinhe_pos",
        "tab": "needs",
        "show": ".o_field_widget[name='need_ids'], .o_statusbar_status",
    },
    "customer_needs_list": {
        "action": "crm_standard.crm_standard_need_action",
        "show": ".o_list_view .o_data_row",
    },
    "proposal_portal_page": {
        "url": "/my/crm_proposal/{record}?access_token=crm-demo-proposal-jinhe-pos",
        "record": "crm_standard.proposal_demo_jinhe_pos",
        "show": "form[action$='/answer'] button",
    },
    "feedback_portal_page": {
        "url": "/crm_standard/feedback/{record}?access_token=crm-demo-feedback-huaxin",
        "record": "crm_standard.feedback_demo_huaxin_sent",
        "show": "form[action$='/submit'] .btn-check",
    },
    "improvement_actions_kanban": {
        "action": "crm_standard.crm_standard_improvement_action",
        "show": ".o_kanban_view .o_kanban_record",
    },
    "customers_list": {
        "action": "crm_standard.crm_standard_customer_action",
        "view_type": "list",
        "show": ".o_list_view .o_data_row .o_field_widget[name='customer_grade']",
    },
    "followup_plans_list": {
        "action": "crm_standard.crm_standard_followup_plan_action",
        "view_type": "list",
        "show": ".o_list_view .o_data_row",
    },
    "tickets_list": {
        "action": "crm_standard.crm_standard_ticket_action",
        "view_type": "list",
        "show": ".o_list_view .o_data_row .o_field_widget[name='crm_health_band']",
    },
    "tickets_kanban": {
        "action": "crm_standard.crm_standard_ticket_action",
        "view_type": "kanban",
        "show": ".o_kanban_view .o_kanban_record .o_field_widget[name='crm_customer_grade']",
    },
    "pipeline_kanban": {
        "action": "crm.crm_lead_action_pipeline",
        "view_type": "kanban",
        "show": ".o_kanban_view .o_kanban_record .o_field_widget[name='crm_customer_grade']",
    },
    "opportunity_form": {
        "action": "crm.crm_lead_action_pipeline",
        "record": "crm_standard.lead_demo_huaxin_mes",
        "show": ".o_field_widget[name='crm_customer_grade'], "
        ".o_field_widget[name='crm_customer_health_band']",
    },
    # Dashboards app: admin's first dashboard is CRM Standard (group Sales, sequence 50);
    # a client action (no view controller), ready when the figures are computed
    "dashboard_crm_standard": {
        "action": "spreadsheet_dashboard.ir_actions_dashboard_action",
        "loaded": ".o_spreadsheet_dashboard_action .o-grid",
        "show": ".o_search_panel_category_value.active, .o-figure",
        "ready": "dashboard_figures",
    },
}
# each screen in each language: English as <name>.png, the others as <name>_<lang>.png
LANGS = ("en_US", "zh_CN")
# the view is loaded and nothing is loading any more
LOADED_JS = """!!document.querySelector(%s)
    && !document.querySelector(".o_loading_indicator, .o_blockUI, .o_spinner")
    && document.readyState === 'complete'"""
# a page outside the web client (token links)
PAGE_LOADED_JS = "document.readyState === 'complete'"
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
        self.dbname = dbname
        self.login()

    def login(self):
        """A new session of admin: its context (the language) is read at login."""
        self.http.cookies.clear()
        session = self.rpc(
            "/web/session/authenticate", db=self.dbname, login="admin", password="admin"
        )
        self.uid = session["uid"]
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

    def set_lang(self, lang):
        """admin's language, and a new session in it (the browser gets its cookie)."""
        self.rpc(
            "/web/dataset/call_kw",
            model="res.users",
            method="write",
            args=[[self.uid], {"lang": lang}],
            kwargs={},
        )
        self.login()
        info = self.rpc("/web/session/get_session_info")
        got = info["user_context"].get("lang")
        if got != lang:
            devenv.die(f"admin's session is in {got}, not {lang}: {info['user_context']}", 1)

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


def png_name(name, lang):
    return f"{name}.png" if lang == "en_US" else f"{name}_{lang}.png"


def capture(browser, odoo, names, lang="en_US"):
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
        record = shot.get("record") and odoo.res_id(shot["record"])
        if shot.get("url"):
            url = odoo.base + shot["url"].format(record=record)
        else:
            url = f"{odoo.base}/odoo/action-{shot['action']}"
            if record:
                url += f"/{record}"
            elif shot.get("view_type"):
                url += f"?view_type={shot['view_type']}"
        failed = Path(tempfile.gettempdir()) / f"crmstd_screenshot_{name}_{lang}_failed.png"

        def wait(js, timeout, step, url=url, failed=failed):
            def on_timeout():
                screenshot(browser, failed)
                devenv.say(f"the screen when it gave up: {failed}")

            wait_for(lambda: browser.evaluate(js), timeout, f"{step} - {url}", on_timeout)

        browser.call("Page.navigate", url="about:blank")  # not the previous screen
        browser.call("Page.navigate", url=url)
        if shot.get("url"):
            loaded = PAGE_LOADED_JS
        else:
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
        path = OUT / png_name(name, lang)
        screenshot(browser, path)
        devenv.say(f"{path.relative_to(devenv.ROOT)}: {path.stat().st_size // 1024} KiB")


def ensure_cjk_font():
    """Chinese screens need a CJK font, else Chromium draws boxes."""
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    if fonts.stdout.strip():
        return
    if os.geteuid() != 0:
        devenv.die("no Chinese font (Debian: `sudo apt-get install fonts-wqy-microhei`)")
    devenv.say("installing a Chinese font (apt-get install fonts-wqy-microhei)")
    devenv.apt_install("fonts-wqy-microhei")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(SHOTS), help="repeatable")
    parser.add_argument("--lang", action="append", choices=LANGS, help="repeatable")
    args = parser.parse_args()
    names = args.only or list(SHOTS)
    langs = args.lang or list(LANGS)
    devenv.ensure_browser()
    if any(lang.startswith("zh") for lang in langs):
        ensure_cjk_font()
    binary = next((shutil.which(b) for b in devenv.BROWSERS if shutil.which(b)), None)
    if not binary:
        devenv.die("no Chromium found (Debian: `sudo apt-get install chromium`)")
    port = devenv.free_port()
    with devenv.odoo_session("screenshots", http_port=port) as (conf, env, db, work, _odoo):
        dbname = f"crmstd_shots_{os.getpid()}"
        # the Chinese terms of every module, crm_standard's zh_CN.po included;
        # en_US named too: loading only zh_CN leaves English inactive
        devenv.odoo_step(
            "install crm_standard with demo data and Chinese",
            conf,
            env,
            work / "install.log",
            *("-d", dbname, "-i", devenv.MODULE, "--load-language=en_US,zh_CN"),
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
                for lang in langs:
                    odoo.set_lang(lang)
                    capture(browser, odoo, names, lang)
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

"""Locust users of the load test: salespeople, service agents, sales managers.

Run by ``bench/load/run.py`` (headless, loopback). They log in with
``/web/session/authenticate`` and call the JSON-RPC endpoints the web client
calls (``/web/dataset/call_kw``, ``/web/dataset/call_button``,
``/mail/message/post``). Environment:

* ``LOAD_DB``: the database; ``LOAD_FLAVOR``: ``standard`` (crm_standard
  installed) or ``plain`` (Odoo's crm alone: the addon's operations are left
  out, the common ones are the same);
* ``LOAD_USERS``: the number of users, shared out 74 % salespeople, 18 %
  agents, 8 % managers over the accounts ``load_sales_<i>`` (20),
  ``load_agent_<i>`` (5), ``load_manager_<i>`` (2) of ``generate.py``.

What the user sees decides what counts: an Odoo error answer of type
UserError / ValidationError (a business refusal: "someone else claimed this
customer first", a claim over the limit) is reported under the request type
``REFUSED``; any other error answer, an HTTP error, or an edit not visible on
the user's next read (``STALE``) is a failure.
"""

import itertools
import os
import random
from datetime import date, timedelta

from locust import HttpUser, between, events, task

DB = os.environ.get("LOAD_DB", "")
STANDARD = os.environ.get("LOAD_FLAVOR", "standard") == "standard"
USERS = int(os.environ.get("LOAD_USERS", "50"))
REFUSALS_LOG = os.environ.get("LOAD_REFUSALS")  # a file: one line per refusal
ACCOUNTS = {
    "sales": int(os.environ.get("LOAD_SALESPEOPLE", "20")),
    "agent": int(os.environ.get("LOAD_AGENTS", "5")),
    "manager": int(os.environ.get("LOAD_MANAGERS", "2")),
}
REFUSALS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.RedirectWarning",
}
_counters = {role: itertools.count() for role in ACCOUNTS}
_views = {}  # (model, view type) -> field specification of the web client


def _share(role):
    managers = max(1, round(USERS * 0.08))
    agents = max(1, round(USERS * 0.18))
    return {"manager": managers, "agent": agents, "sales": max(1, USERS - managers - agents)}[role]


def _spec(fields):
    """The web client's ``specification`` for the fields of a view."""
    spec = {}
    for name, field in fields.items():
        if field["type"] in ("many2one", "one2many", "many2many", "many2one_reference"):
            spec[name] = (
                {"fields": {"display_name": {}}} if field["type"] != "many2one_reference" else {}
            )
        else:
            spec[name] = {}
    return spec


class OdooUser(HttpUser):
    abstract = True
    wait_time = between(2, 8)
    role = None

    # -- JSON-RPC ----------------------------------------------------------
    def on_start(self):
        index = next(_counters[self.role]) % ACCOUNTS[self.role]
        self.login = f"load_{self.role}_{index}"
        result = self.rpc(
            "session.login",
            "/web/session/authenticate",
            {"db": DB, "login": self.login, "password": self.login},
        )
        self.uid = result["uid"]
        self.odoo_context = {
            "lang": "en_US",
            "tz": "Asia/Shanghai",
            "uid": self.uid,
            "allowed_company_ids": [result["user_companies"]["current_company"]],
        }
        self.last_ids = {}

    def rpc(self, name, url, params):
        """POST a JSON-RPC call; returns its result, or None after an error."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": random.randint(1, 10**9)}
        payload["params"] = params
        with self.client.post(url, json=payload, name=name, catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return None
            data = resp.json()
            error = data.get("error")
            if not error:
                resp.success()
                return data.get("result")
            kind = (error.get("data") or {}).get("name", "")
            message = (error.get("data") or {}).get("message") or error.get("message")
            if kind in REFUSALS:
                resp.success()
                events.request.fire(
                    request_type="REFUSED",
                    name=name,
                    response_time=resp.elapsed.total_seconds() * 1000,
                    response_length=0,
                    exception=None,
                    context={"message": message},
                )
                if REFUSALS_LOG:
                    with open(REFUSALS_LOG, "a") as fh:
                        fh.write(f"{name}\t{kind}\t{' '.join(str(message).split())[:200]}\n")
            else:
                resp.failure(f"{kind}: {message}"[:300])
            return None

    def call(self, op, model, method, *args, button=False, **kwargs):
        kwargs["context"] = {**self.odoo_context, **kwargs.get("context", {})}
        route = "call_button" if button else "call_kw"
        return self.rpc(
            op,
            f"/web/dataset/{route}/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def stale(self, name, message):
        events.request.fire(
            request_type="STALE",
            name=name,
            response_time=0,
            response_length=0,
            exception=Exception(message),
        )

    # -- what the web client does -------------------------------------------
    def view_spec(self, model, view_type="form"):
        """``get_views`` once per model and user (the web client caches it)."""
        key = (model, view_type)
        if key not in _views:
            result = self.call(
                "views.load", model, "get_views", views=[[False, view_type]], options={}
            )
            if not result:
                return {"display_name": {}}
            _views[key] = _spec(result["models"][model]["fields"])
        return _views[key]

    def list(self, name, model, domain, spec, *, limit=80, order="", key=None):
        """``web_search_read``; the ids are kept under ``key`` (default: the model)."""
        result = self.call(
            name,
            model,
            "web_search_read",
            specification=spec,
            domain=domain,
            offset=0,
            limit=limit,
            order=order,
            count_limit=10001,
        )
        records = (result or {}).get("records", [])
        if records:
            self.last_ids[key or model] = [r["id"] for r in records]
        return records

    def pick(self, model):
        ids = self.last_ids.get(model)
        return random.choice(ids) if ids else None

    def form(self, name, model, record_id):
        if record_id:
            self.call(name, model, "web_read", [record_id], specification=self.view_spec(model))

    def post_note(self, name, model, record_id, body, note=True):
        if not record_id:
            return
        self.rpc(
            name,
            "/mail/message/post",
            {
                "thread_model": model,
                "thread_id": record_id,
                "post_data": {
                    "body": body,
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_note" if note else "mail.mt_comment",
                },
                "context": self.odoo_context,
            },
        )

    def customers(self, name="customers.list"):
        spec = {"display_name": {}, "email": {}, "phone": {}, "city": {}}
        spec["user_id"] = {"fields": {"display_name": {}}}
        if STANDARD:
            spec.update(customer_code={}, customer_grade={}, lifecycle_stage={})
        return self.list(name, "res.partner", [("is_company", "=", True)], spec)


class Salesperson(OdooUser):
    role = "sales"
    fixed_count = _share("sales")

    @task(6)
    def customer_list(self):
        self.customers()

    @task(6)
    def customer_form(self):
        if not self.last_ids.get("res.partner"):
            self.customers()
        self.form("customer.form", "res.partner", self.pick("res.partner"))

    @task(3)
    def customer_search(self):
        words = f"Customer {random.randint(1, 999)}"
        self.call("customer.name_search", "res.partner", "name_search", name=words, limit=8)
        self.list(
            "customer.search",
            "res.partner",
            [("is_company", "=", True), ("name", "ilike", words)],
            {"display_name": {}, "email": {}, "phone": {}},
        )

    def pipeline(self):
        return self.list(
            "lead.list",
            "crm.lead",
            [("user_id", "=", self.uid), ("type", "=", "opportunity")],
            {
                "display_name": {},
                "stage_id": {"fields": {"display_name": {}}},
                "expected_revenue": {},
                "partner_id": {"fields": {"display_name": {}}},
            },
        )

    @task(2)
    def lead_create(self):
        partner = self.pick("res.partner") or (self.customers() and self.pick("res.partner"))
        self.call(
            "lead.create",
            "crm.lead",
            "web_save",
            [],
            {
                "name": f"Load opportunity {random.randint(1, 10**6)}",
                "type": "opportunity",
                "partner_id": partner,
                "user_id": self.uid,
                "expected_revenue": random.randint(1000, 90000),
            },
            specification={"display_name": {}},
            context={"default_type": "opportunity"},
        )

    @task(3)
    def lead_stage(self):
        leads = self.pipeline()
        if not leads:
            return
        if not hasattr(self, "stages"):
            found = self.call(
                "stage.list",
                "crm.stage",
                "web_search_read",
                specification={"is_won": {}},
                domain=[],
                limit=20,
                order="sequence, id",
            )
            self.stages = [s["id"] for s in (found or {}).get("records", []) if not s["is_won"]]
        lead = random.choice(leads)
        self.form("lead.form", "crm.lead", lead["id"])
        self.call(
            "lead.stage",
            "crm.lead",
            "web_save",
            [lead["id"]],
            {"stage_id": random.choice(self.stages)},
            specification={"stage_id": {"fields": {"display_name": {}}}},
        )

    @task(2)
    def lead_note(self):
        if not self.last_ids.get("crm.lead"):
            self.pipeline()
        self.post_note("lead.note", "crm.lead", self.pick("crm.lead"), "<p>Called, interested.</p>")

    @task(2)
    def activity_schedule(self):
        lead = self.pick("crm.lead") or (self.pipeline() and self.pick("crm.lead"))
        if not lead:
            return
        self.call(
            "activity.schedule",
            "mail.activity",
            "web_save",
            [],
            {
                "res_id": lead,
                "summary": "Call back",
                "date_deadline": str(date.today() + timedelta(days=random.randint(0, 7))),
                "user_id": self.uid,
            },
            specification={"display_name": {}},
            context={"default_res_model": "crm.lead", "default_res_id": lead},
        )

    @task(2)
    def activity_done(self):
        acts = self.list(
            "activity.list",
            "mail.activity",
            [("user_id", "=", self.uid)],
            {"res_model": {}, "res_id": {}, "summary": {}, "date_deadline": {}},
            limit=20,
            order="date_deadline",
        )
        if acts:
            act = random.choice(acts)
            self.call(
                "activity.done", "mail.activity", "action_feedback", [act["id"]], feedback="Done"
            )

    @task(2)
    def customer_edit(self):
        """Edit a customer, then read it back: the edit must show."""
        if not self.last_ids.get("res.partner"):
            self.customers()
        partner = self.pick("res.partner")
        if not partner:
            return
        phone = f"+86 21 {random.randint(1000, 9999)} {random.randint(1000, 9999)}"
        saved = self.call(
            "customer.edit",
            "res.partner",
            "web_save",
            [partner],
            {"phone": phone},
            specification={"phone": {}},
        )
        if saved is None:
            return
        read = self.call(
            "customer.read", "res.partner", "web_read", [partner], specification={"phone": {}}
        )
        if read and read[0]["phone"] != phone:
            self.stale("customer.read", f"partner {partner}: {read[0]['phone']} != {phone}")

    @task(1)
    def customer_rename(self):
        """A key field: a change request for a manager where crm_standard is on."""
        partner = self.pick("res.partner")
        if partner:
            self.call(
                "customer.rename",
                "res.partner",
                "web_save",
                [partner],
                {"name": f"Load Customer renamed {random.randint(1, 10**6)}"},
                specification={"display_name": {}},
            )

    @task(1)
    def customer_create(self):
        self.call(
            "customer.create",
            "res.partner",
            "web_save",
            [],
            {"name": f"Load New Customer {random.randint(1, 10**9)}", "is_company": True},
            specification={"display_name": {}},
        )

    @task(1)
    def pool_claim(self):
        if not STANDARD:
            return
        pool = self.list(
            "pool.list",
            "res.partner",
            [("crm_in_pool", "=", True)],
            {"display_name": {}},
            key="pool",
        )
        if pool:
            self.call(
                "pool.claim",
                "res.partner",
                "action_crm_pool_claim",
                [random.choice(pool)["id"]],
                button=True,
            )


class Agent(OdooUser):
    role = "agent"
    fixed_count = _share("agent")
    MODEL = "crm.standard.ticket"

    def tickets(self):
        return self.list(
            "ticket.list",
            self.MODEL,
            [("is_closed", "=", False)],
            {
                "number": {},
                "name": {},
                "partner_id": {"fields": {"display_name": {}}},
                "stage_id": {"fields": {"display_name": {}}},
                "sla_status": {},
            },
        )

    @task(5)
    def ticket_list(self):
        if STANDARD:
            self.tickets()
        else:
            self.customers()

    @task(5)
    def ticket_form(self):
        if not STANDARD:
            self.form("customer.form", "res.partner", self.pick("res.partner"))
            return
        if not self.last_ids.get(self.MODEL):
            self.tickets()
        self.form("ticket.form", self.MODEL, self.pick(self.MODEL))

    @task(3)
    def ticket_answer(self):
        if STANDARD:
            self.post_note(
                "ticket.answer",
                self.MODEL,
                self.pick(self.MODEL),
                "<p>We are looking into it.</p>",
                note=False,
            )

    @task(2)
    def ticket_solve(self):
        if not STANDARD or not self.last_ids.get(self.MODEL):
            return
        if not hasattr(self, "solved"):
            found = self.call(
                "ticket.stages",
                "crm.standard.ticket.stage",
                "web_search_read",
                specification={"is_closed": {}},
                domain=[("is_closed", "=", True)],
                limit=1,
                order="sequence",
            )
            self.solved = ((found or {}).get("records") or [{}])[0].get("id")
        ticket = self.pick(self.MODEL)
        self.call("ticket.assign", self.MODEL, "action_assign_to_me", [ticket], button=True)
        self.call(
            "ticket.solve",
            self.MODEL,
            "web_save",
            [ticket],
            {"stage_id": self.solved},
            specification={"stage_id": {"fields": {"display_name": {}}}},
        )
        self.last_ids[self.MODEL].remove(ticket)

    @task(1)
    def ticket_create(self):
        if not STANDARD:
            return
        partner = self.pick("res.partner") or (self.customers() and self.pick("res.partner"))
        self.call(
            "ticket.create",
            self.MODEL,
            "web_save",
            [],
            {"name": "Load ticket by phone", "partner_id": partner},
            specification={"number": {}},
        )


class Manager(OdooUser):
    role = "manager"
    fixed_count = _share("manager")

    @task(3)
    def report_pipeline(self):
        self.call(
            "report.pipeline",
            "crm.lead",
            "web_read_group",
            domain=[("type", "=", "opportunity")],
            fields=["expected_revenue:sum"],
            groupby=["stage_id"],
            orderby="",
            lazy=True,
        )

    @task(2)
    def report_activities(self):
        self.call(
            "report.activities",
            "crm.activity.report",
            "web_read_group",
            domain=[],
            fields=["__count"],
            groupby=["user_id"],
            orderby="",
            lazy=True,
        )

    @task(2)
    def customer_list(self):
        self.customers()

    @task(2)
    def plan_approve(self):
        if not STANDARD:
            return
        self.approve_one(
            "plan",
            "crm.standard.followup.plan",
            [("state", "=", "submitted")],
            {"display_name": {}, "partner_id": {"fields": {"display_name": {}}}},
        )

    @task(2)
    def change_approve(self):
        if not STANDARD:
            return
        self.approve_one(
            "change",
            "crm.standard.change.request",
            [("state", "=", "pending")],
            {"display_name": {}},
        )

    def approve_one(self, name, model, domain, spec):
        """A manager's approval: the list of what waits, then one of them approved."""
        waiting = self.list(f"{name}.list", model, domain, spec, limit=20)
        if waiting:
            self.call(
                f"{name}.approve",
                model,
                "action_approve",
                [random.choice(waiting)["id"]],
                button=True,
            )

    @task(2)
    def report_tickets(self):
        if STANDARD:
            self.call(
                "report.tickets",
                "crm.standard.ticket",
                "web_read_group",
                domain=[],
                fields=["__count"],
                groupby=["stage_id"],
                orderby="",
                lazy=True,
            )
            self.call(
                "report.funnel",
                "crm.standard.funnel.report",
                "web_read_group",
                domain=[],
                fields=["__count"],
                groupby=["stage_id"],
                orderby="",
                lazy=True,
            )

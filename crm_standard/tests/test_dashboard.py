"""The spreadsheet dashboards "CRM Standard" and "My CRM" (issue 21): their
JSON is valid against the models, every data method they call is read-only
(served by a replica when ``db_replica_host`` is set), and a salesperson's
figures are what their lists show."""

import json
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged
from odoo.tools import file_open
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from .common import CrmStandardCommon

DASHBOARDS = {
    "crm_standard.spreadsheet_dashboard_crm_standard": "crm_standard_dashboard.json",
    "crm_standard.spreadsheet_dashboard_my_crm": "my_crm_dashboard.json",
}
# the data methods the web client calls per data source (pivot: PivotModel,
# list: ListDataSource, chart: GraphModel); the metadata call fields_get is not
# @api.readonly in Odoo 18 itself
DATA_METHODS = {
    "pivot": ("read_group",),
    "list": ("web_search_read", "search_count"),
    "chart": ("web_read_group", "read_group"),
}


def load_dashboard(file_name):
    with file_open(f"crm_standard/data/files/{file_name}") as file:
        return json.load(file)


def data_sources(data):
    """``[(kind, id, model, domain, groupby, measures, action xml id)]`` of a dashboard."""
    sources = []
    for pivot in data["pivots"].values():
        groupby = [
            f"{dim['fieldName']}:{dim['granularity']}"
            if dim.get("granularity")
            else dim["fieldName"]
            for dim in pivot["rows"] + pivot["columns"]
        ]
        measures = [m["fieldName"] for m in pivot["measures"]]
        sources.append(
            (
                "pivot",
                pivot["id"],
                pivot["model"],
                pivot["domain"],
                groupby,
                measures,
                pivot["actionXmlId"],
            )
        )
    for list_ in data["lists"].values():
        sources.append(
            (
                "list",
                list_["id"],
                list_["model"],
                list_["domain"],
                [],
                ["__count"],
                list_["actionXmlId"],
            )
        )
    for sheet in data["sheets"]:
        for figure in sheet["figures"]:
            chart = figure["data"]
            if not chart["type"].startswith("odoo_"):
                continue
            sources.append(
                (
                    "chart",
                    figure["id"],
                    chart["metaData"]["resModel"],
                    chart["searchParams"]["domain"],
                    chart["metaData"]["groupBy"],
                    [chart["metaData"]["measure"]],
                    chart["actionXmlId"],
                )
            )
    return sources


class DashboardCase(CrmStandardCommon):
    def _eval_domain(self, domain, user):
        """A domain of the JSON or of an action, evaluated as the web client does
        (``uid``, ``context_today`` in the user's time zone)."""
        if not isinstance(domain, str):
            return domain or []
        today = fields.Date.context_today(self.env["res.partner"].with_user(user))
        return safe_eval(
            domain,
            {
                "uid": user.id,
                "context_today": lambda: today,
                "relativedelta": relativedelta,
                "datetime": safe_datetime,
            },
        )


@tagged("post_install", "-at_install")
class TestDashboardDefinition(DashboardCase):
    def test_dashboards_are_shown_to_their_roles(self):
        crm = self.env.ref("crm_standard.spreadsheet_dashboard_crm_standard")
        mine = self.env.ref("crm_standard.spreadsheet_dashboard_my_crm")
        sales = self.env.ref("spreadsheet_dashboard.spreadsheet_dashboard_group_sales")
        self.assertEqual((crm | mine).dashboard_group_id, sales)
        seen = {
            user: self._as(user, "spreadsheet.dashboard").search([("id", "in", (crm | mine).ids)])
            for user in (
                self.user_salesman,
                self.user_salesman_all,
                self.user_sales_manager,
                self.user_crm_admin,
                self.user_service_agent,
            )
        }
        self.assertEqual(seen[self.user_salesman], mine)
        self.assertEqual(seen[self.user_salesman_all], mine)
        self.assertEqual(seen[self.user_sales_manager], crm | mine)
        self.assertEqual(seen[self.user_crm_admin], crm | mine)
        self.assertFalse(seen[self.user_service_agent])

    def test_shipped_json_is_the_dashboard_data(self):
        """The records hold the files of data/files/ (an upgrade reloads them)."""
        for xmlid, file_name in DASHBOARDS.items():
            record = self.env.ref(xmlid)
            self.assertEqual(json.loads(record.spreadsheet_data), load_dashboard(file_name))
            self.assertTrue(record.get_readonly_dashboard()["snapshot"]["pivots"])

    def _check_path(self, model, path, where):
        """Every field of ``path`` (``a.b.c``) exists (``fields_get``)."""
        for name in path.split("."):
            described = self.env[model].fields_get([name], ["type", "relation"])
            self.assertIn(name, described, f"{where}: {model} has no field {name}")
            model = described[name].get("relation") or model

    def test_every_model_field_and_measure_exists(self):
        for file_name in DASHBOARDS.values():
            data = load_dashboard(file_name)
            for kind, source_id, model, domain, groupby, measures, action in data_sources(data):
                where = f"{file_name} {kind} {source_id}"
                self.assertIn(model, self.env, f"{where}: no model {model}")
                for leaf in self._eval_domain(domain, self.user_salesman):
                    if isinstance(leaf, list | tuple):
                        self._check_path(model, leaf[0], where)
                for spec in groupby:
                    self._check_path(model, spec.split(":")[0], where)
                for measure in measures:
                    if measure == "__count":
                        continue
                    self._check_path(model, measure, where)
                    aggregator = self.env[model]._fields[measure].aggregator
                    self.assertIn(aggregator, ("sum", "avg"), f"{where}: {measure} aggregator")
                self.assertEqual(self.env.ref(action).res_model, model, f"{where}: {action}")
            for list_ in data["lists"].values():
                for name in list_["columns"] + [order["name"] for order in list_["orderBy"]]:
                    self._check_path(list_["model"], name, f"{file_name} list {list_['id']}")
            for sheet in data["sheets"]:
                for figure in sheet["figures"]:
                    for match in figure["data"].get("fieldMatching", {}).values():
                        self._check_path(
                            figure["data"]["metaData"]["resModel"], match["chain"], file_name
                        )
            for source in [*data["pivots"].values(), *data["lists"].values()]:
                for filter_id, match in source["fieldMatching"].items():
                    self.assertIn(filter_id, {f["id"] for f in data["globalFilters"]})
                    self._check_path(source["model"], match["chain"], file_name)

    def test_formulas_reference_existing_sources(self):
        for file_name in DASHBOARDS.values():
            data = load_dashboard(file_name)
            contents = "\n".join(
                cell.get("content", "")
                for sheet in data["sheets"]
                for cell in sheet["cells"].values()
            )
            for list_ in data["lists"].values():
                for column in list_["columns"]:
                    # every column of a list is shown (its first row at least)
                    self.assertIn(f'=ODOO.LIST({list_["id"]},1,"{column}")', contents, file_name)
            for pivot_id in data["pivots"]:
                self.assertRegex(contents, rf"=PIVOT(\.VALUE)?\({pivot_id}[,)]", file_name)
            for sheet in data["sheets"]:
                for ref, cell in sheet["cells"].items():
                    content = cell.get("content", "")
                    for function, sources in (("PIVOT", "pivots"), ("ODOO.LIST", "lists")):
                        for prefix in (f"{function}(", f"{function}.VALUE(", f"{function}.HEADER("):
                            if prefix in content:
                                source_id = content.split(prefix)[1].split(",")[0].split(")")[0]
                                self.assertIn(source_id, data[sources], f"{file_name} {ref}")
                for figure in sheet["figures"]:
                    key = figure["data"].get("keyValue")
                    if key:
                        sheet_name, cell_ref = key.split("!")
                        target = next(s for s in data["sheets"] if s["name"] == sheet_name)
                        self.assertIn(cell_ref, target["cells"], f"{file_name} {figure['id']}")

    def test_my_crm_sources_are_restricted_to_the_user(self):
        """Every data source of My CRM names the current user (``uid``); those of
        CRM Standard take the Salesperson filter instead."""
        data = load_dashboard("my_crm_dashboard.json")
        for kind, source_id, _model, domain, *_rest in data_sources(data):
            self.assertIn("uid", domain, f"{kind} {source_id}")
        data = load_dashboard("crm_standard_dashboard.json")
        (salesperson_filter,) = data["globalFilters"]
        self.assertEqual(salesperson_filter["modelName"], "res.users")
        for source in [*data["pivots"].values(), *data["lists"].values()]:
            self.assertIn(salesperson_filter["id"], source["fieldMatching"], source["name"])
            self.assertNotIn("uid", source["domain"])

    def test_dashboard_data_methods_are_readonly(self):
        """What the dashboards call through /web/dataset/call_kw is marked
        ``@api.readonly`` (Odoo 18 then runs it on a read-only cursor, on the
        replica when ``db_replica_host`` is set), overrides included."""
        checked = set()
        for file_name in DASHBOARDS.values():
            for kind, _id, model, *_rest in data_sources(load_dashboard(file_name)):
                for method_name in DATA_METHODS[kind]:
                    method = getattr(type(self.env[model]), method_name)
                    self.assertTrue(
                        getattr(method, "_readonly", False),
                        f"{model}.{method_name} is not @api.readonly",
                    )
                    checked.add((model, method_name))
        self.assertGreaterEqual(len(checked), 12)


@tagged("post_install", "-at_install")
class TestMyCrmFigures(DashboardCase):
    """A salesperson's My CRM figures equal what their lists show."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.crm_pool_enabled = True
        cls.colleague = cls._create_colleague()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.mine = cls.env["res.partner"]
        for name, city in (
            ("Dash Own A", "Beijing"),
            ("Dash Own B", False),
            ("Dash Own C", "Xi'an"),
        ):
            customer = cls._create_customer(name, user_id=cls.user_salesman.id, city=city)
            customer.action_make_customer()
            cls.mine |= customer
        cls.theirs = cls._create_customer("Dash Colleague Co", user_id=cls.colleague.id)
        cls.theirs.action_make_customer()
        for customer in cls.mine[:2] | cls.theirs:
            cls._create_opportunity(customer, user_id=customer.user_id.id)
        cls._create_opportunity(cls.mine[2], won=True, user_id=cls.user_salesman.id)
        Ticket = cls.env["crm.standard.ticket"]
        for customer in cls.mine[:2] | cls.theirs:
            Ticket.create({"name": f"Dash ticket {customer.name}", "partner_id": customer.id})
        for customer, score in ((cls.mine[0], 4), (cls.mine[1], 5), (cls.theirs, 1)):
            cls.env["crm.standard.satisfaction"].create({"partner_id": customer.id, "score": score})
        for customer, user in ((cls.mine[2], cls.user_salesman), (cls.theirs, cls.colleague)):
            cls.env["crm.standard.pool.claim"].create(
                {"partner_id": customer.id, "user_id": user.id}
            )
        for customer, grade in ((cls.mine[0], "A"), (cls.mine[1], "C"), (cls.theirs, "S")):
            cls.env["crm.standard.grade.history"].create(
                {"partner_id": customer.id, "new_grade": grade, "source": "computed"}
            )
        for customer in (cls.mine[0], cls.theirs):
            plan = cls.env["crm.standard.followup.plan"].create(
                {
                    "partner_id": customer.id,
                    "step_ids": [
                        Command.create({"name": "Dash due call", "next_due_date": cls.today}),
                        Command.create(
                            {
                                "name": "Dash later call",
                                "next_due_date": cls.today + timedelta(days=7),
                            }
                        ),
                    ],
                }
            )
            plan.action_submit()
            plan.action_approve()
        if "crm.standard.kpi" in cls.env:
            Kpi = cls.env["crm.standard.kpi"]
            measure = Kpi._fields["measure"].get_values(cls.env)[0]
            for user in (cls.user_salesman, cls.colleague):
                Kpi.create(
                    {
                        "name": f"Dash KPI {user.name}",
                        "measure": measure,
                        "scope": "user",
                        "user_id": user.id,
                    }
                )
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.env.flush_all()

    def _list_rows(self, user, action_xmlid, model, domain, field_names):
        """The rows of the list action as ``user`` sees them, narrowed to ``domain``."""
        action = self.env["ir.actions.act_window"]._for_xml_id(action_xmlid)
        self.assertEqual(action["res_model"], model)
        action_domain = self._eval_domain(action.get("domain"), user)
        self.env.invalidate_all()
        spec = {name: {} for name in field_names}
        return (
            self.env[model]
            .with_user(user)
            .web_search_read(action_domain + domain, spec, limit=None)["records"]
        )

    def _figures(self, user, source, domain):
        """The figures of a data source as the dashboard reads them as ``user``:
        ``read_group`` (pivot) or ``web_read_group`` (chart)."""
        kind, _id, model, _domain, groupby, measures, _action = source
        self.env.invalidate_all()
        Model = self.env[model].with_user(user)
        specs = [m for m in measures if m != "__count"]
        if kind == "chart":
            return Model.web_read_group(domain, specs, groupby, lazy=False)["groups"]
        return Model.read_group(domain, specs, groupby, lazy=False)

    def _source(self, data, name):
        (pivot_id,) = [p["id"] for p in data["pivots"].values() if p["name"] == name]
        return next(s for s in data_sources(data) if s[:2] == ("pivot", pivot_id))

    def _aggregate(self, model, rows, measure):
        if measure == "__count":
            return len(rows)
        values = [row[measure] for row in rows]
        if self.env[model]._fields[measure].aggregator == "avg":
            return sum(values) / len(values) if values else None
        return sum(values)

    def _assert_source_matches_list(self, user, source):
        kind, source_id, model, domain, _groupby, measures, action = source
        where = f"{kind} {source_id} ({model}) as {user.name}"
        domain = self._eval_domain(domain, user)
        field_names = [m for m in measures if m != "__count"]
        listed = self._list_rows(user, action, model, domain, field_names)
        if kind == "list":
            self.env.invalidate_all()
            self.assertEqual(
                self.env[model].with_user(user).search_count(domain), len(listed), where
            )
            return len(listed)
        groups = self._figures(user, source, domain)
        total = 0
        for group in groups:
            # a figure's records: the list opened on the group's domain (the
            # pivot's "see records" / a click on the chart)
            rows = self._list_rows(user, action, model, group["__domain"], field_names)
            count = group["__count"]
            self.assertEqual(count, len(rows), f"{where}: {group['__domain']}")
            for measure in field_names:
                expected = self._aggregate(model, rows, measure)
                if expected is None:
                    self.assertFalse(group[measure], where)
                else:
                    self.assertAlmostEqual(group[measure], expected, places=6, msg=where)
            total += count
        self.assertEqual(total, len(listed), f"{where}: every listed record is in a group")
        return total

    def test_my_crm_figures_equal_the_salesperson_lists(self):
        data = load_dashboard("my_crm_dashboard.json")
        totals = {}
        for source in data_sources(data):
            if source[2] not in self.env:  # KPIs: issue 21 part A
                continue
            totals[source[:2]] = self._assert_source_matches_list(self.user_salesman, source)
        pivots = {p["name"]: p["id"] for p in data["pivots"].values()}

        def total(name):
            return totals[("pivot", pivots[name])]

        # the fixture: the colleague's customer, ticket, rating, claim and follow-up are left out
        self.assertEqual(total("Customers by grade"), 3)
        self.assertEqual(total("Open tickets by SLA status"), 2)
        self.assertEqual(total("Satisfaction by month"), 2)
        self.assertEqual(total("Pool claims (90 days)"), 1)
        self.assertEqual(total("Follow-ups due today or late"), 1)
        if "crm.standard.kpi" in self.env:
            self.assertEqual(totals[("list", "1")], 1)

    def test_crm_standard_figures_equal_the_manager_lists(self):
        data = load_dashboard("crm_standard_dashboard.json")
        for source in data_sources(data):
            if source[2] in self.env:
                self._assert_source_matches_list(self.user_sales_manager, source)
        customers = self._source(data, "Customers by grade")
        domain = self._eval_domain(customers[3], self.user_sales_manager)
        names = {
            row["display_name"]
            for row in self._list_rows(
                self.user_sales_manager, customers[6], "res.partner", domain, ["display_name"]
            )
        }
        self.assertIn("Dash Colleague Co", names, "the manager sees every salesperson's figures")

    def test_my_crm_of_another_salesperson_shows_their_figures(self):
        data = load_dashboard("my_crm_dashboard.json")
        customers = self._source(data, "Customers by grade")
        self.assertEqual(self._assert_source_matches_list(self.colleague, customers), 1)


@tagged("post_install", "-at_install")
class TestDashboardTours(CrmStandardCommon, HttpCase):
    """The dashboards open in Odoo's Dashboards app and render their figures
    (static/tests/tours/crm_standard_dashboard_tour.js)."""

    def test_sales_manager_opens_crm_standard_dashboard(self):
        self.start_tour(
            "/odoo",
            "crm_standard_dashboard_crm_standard",
            login=self.user_sales_manager.login,
            timeout=180,  # the spreadsheet bundle and every data source, on a loaded machine
        )

    def test_salesperson_opens_my_crm_dashboard(self):
        for name in ("Tour Dash One", "Tour Dash Two"):
            customer = self._create_customer(name, user_id=self.user_salesman.id)
            customer.action_make_customer()
        self.start_tour(
            "/odoo", "crm_standard_dashboard_my_crm", login=self.user_salesman.login, timeout=180
        )

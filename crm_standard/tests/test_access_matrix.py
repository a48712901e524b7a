"""The access matrix: every role x every model of the addon x CRUD, the rows
each role sees and may write on a fixed data set, restricted fields, company
isolation, the group ladder, and the README table.

The expected rights are in ``access_matrix.py`` (shared with
``tools/access_table.py``); the visibility counts are in ``VISIBILITY`` below.
A model of the addon without a row fails the test: add one line there.
"""

import logging
from datetime import datetime, timedelta
from pathlib import Path

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from . import access_matrix as matrix
from .common import CrmStandardCommon

_logger = logging.getLogger(__name__)

# Records each role can read / write among a fixture, per model: the fixture
# name (an attribute of the test class, a recordset) and, per role, a pair
# (readable, writable); None means refused by the access rights (ACL).
# The fixture is built in ``_build_visibility_fixture``; a new model adds one
# fixture there and one entry here.
# fmt: off
VISIBILITY = {
    #                                fixture              salesman   salesman_all sales_mgr  agent         svc_mgr       crm_admin  internal      portal
    "res.partner":                  ("fx_partners",      ((3, 3),   (6, 6),      (6, 6),    (6, None),    (6, None),    (6, 6),    (6, None),    (0, None))),
    "mail.followers":               ("fx_followers",     ((2, None), (3, None),  (3, None), (3, None),    (3, None),    (3, None), (3, None),    (None, None))),
    "crm.lead":                     ("fx_leads",         ((2, 2),   (3, 3),      (3, 3),    (None, None), (None, None), (3, 3),    (None, None), (None, None))),
    "crm.standard.change.request":  ("fx_requests",      ((3, None), (5, None),  (5, 5),    (1, None),    (0, None),    (5, 5),    (1, None),    (None, None))),
    "crm.standard.grade.history":   ("fx_grade_history", ((1, None), (3, None),  (3, None), (None, None), (None, None), (3, 3),    (None, None), (None, None))),
    # two plans per customer: the potential stage's proposal, then the grade's when an opportunity shows intent
    "crm.standard.followup.plan":   ("fx_plans",         ((2, 2),   (6, 6),      (6, 6),    (None, None), (None, None), (6, 6),    (None, None), (None, None))),
    "crm.standard.ticket":          ("fx_tickets",       ((1, None), (1, None),  (0, None), (3, 2),       (4, 4),       (4, 4),    (None, None), (None, None))),
    "crm.standard.pool.claim":      ("fx_claims",        ((1, None), (2, None),  (2, None), (None, None), (None, None), (2, 2),    (None, None), (None, None))),
    "crm.standard.health.snapshot": ("fx_snapshots",     ((1, None), (3, None),  (3, None), (3, None),    (3, None),    (3, 3),    (None, None), (None, None))),
    "crm.standard.interest":        ("fx_interests",     ((2, None), (2, None),  (2, 2),    (2, None),    (2, None),    (2, 2),    (2, None),    (None, None))),
}
# fmt: on


class TestAccessMatrix(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_internal = new_test_user(
            cls.env, login="crm_internal", name="Ivy Internal", groups="base.group_user"
        )
        cls.user_portal = new_test_user(
            cls.env, login="crm_portal", name="Pat Portal", groups="base.group_portal"
        )
        cls.role_users = {
            "salesman": cls.user_salesman,
            "salesman_all": cls.user_salesman_all,
            "sales_manager": cls.user_sales_manager,
            "service_agent": cls.user_service_agent,
            "service_manager": cls.user_service_manager,
            "crm_admin": cls.user_crm_admin,
            "internal": cls.user_internal,
            "portal": cls.user_portal,
        }
        cls.company_b = cls.env["res.company"].create({"name": "CRM Standard Company B"})
        cls._build_visibility_fixture()

    @classmethod
    def _build_visibility_fixture(cls):
        """A fixed data set in the main company (plus one company-B record)."""
        cls.cust_sally = cls._create_customer("Sally Customer Co", user_id=cls.user_salesman.id)
        cls.cust_alex = cls._create_customer("Alex Customer Co", user_id=cls.user_salesman_all.id)
        cls.cust_free = cls._create_customer("Unassigned Customer Co", user_id=False)
        cls.fx_customers = cls.cust_sally | cls.cust_alex | cls.cust_free
        cls.fx_customers.action_make_customer()
        # visibility by owner: a colleague's contact, an unowned customer
        # without opportunity (public pool, disabled here), a vendor (open)
        cls.contact_alex = cls.env["res.partner"].create(
            {"name": "Alex's Contact", "parent_id": cls.cust_alex.id}
        )
        cls.cust_nobody = cls._create_customer("Nobody's Customer Co", user_id=False)
        cls.cust_nobody.action_make_customer()
        # (no salesperson: a partner with one is a customer, res_partner_ownership)
        cls.vendor = cls._create_customer("Some Vendor Co", user_id=False)
        cls.fx_partners = cls.fx_customers | cls.contact_alex | cls.cust_nobody | cls.vendor
        # followers of Sally's customer: an open partner (a colleague), Sally's
        # customer itself, and a customer Sally may not see
        cls.cust_sally.message_unsubscribe(cls.cust_sally.message_partner_ids.ids)
        cls.cust_sally.message_subscribe(
            (cls.user_internal.partner_id | cls.cust_sally | cls.cust_alex).ids
        )
        cls.fx_followers = cls.cust_sally.message_follower_ids
        cls.fx_leads = (
            cls._create_opportunity(cls.cust_sally, user_id=cls.user_salesman.id)
            | cls._create_opportunity(cls.cust_alex, user_id=cls.user_salesman_all.id)
            | cls._create_opportunity(cls.cust_free, user_id=False)
        )
        Request = cls.env["crm.standard.change.request"]
        field_vat = cls.env["ir.model.fields"]._get("res.partner", "vat")

        def request(partner, user):
            return Request.create(
                {
                    "partner_id": partner.id,
                    "field_id": field_vat.id,
                    "old_value": "false",
                    "new_value": '"CN123"',
                    "requested_by_id": user.id,
                }
            )

        cls.fx_requests = (
            request(cls.cust_sally, cls.user_salesman)  # own customer, own request
            | request(cls.cust_sally, cls.user_internal)  # own customer
            | request(cls.cust_alex, cls.user_salesman)  # own request
            | request(cls.cust_free, cls.user_salesman_all)
            | request(cls.cust_alex, cls.user_service_agent)
        )
        # pool claims: Sally's, Alex's, and Sally's in company B
        Claim = cls.env["crm.standard.pool.claim"]
        cls.fx_claims = Claim.create(
            [
                {"partner_id": cls.cust_sally.id, "user_id": cls.user_salesman.id},
                {"partner_id": cls.cust_alex.id, "user_id": cls.user_salesman_all.id},
                {
                    "partner_id": cls.cust_free.id,
                    "user_id": cls.user_salesman.id,
                    "company_id": cls.company_b.id,
                },
            ]
        )
        # health snapshots: one per customer, and the free one's in company B
        cls.fx_snapshots = cls.env["crm.standard.health.snapshot"].create(
            [
                {"date": date, "partner_id": partner.id, "company_id": company.id, "score": 50}
                for partner, company, date in (
                    (cls.cust_sally, cls.company, "2026-01-15"),
                    (cls.cust_alex, cls.company, "2026-01-15"),
                    (cls.cust_free, cls.company, "2026-01-15"),
                    (cls.cust_free, cls.company_b, "2026-01-16"),
                )
            ]
        )
        Interest = cls.env["crm.standard.interest"]
        cls.fx_interests = (
            Interest.create({"name": "Matrix: main company", "company_id": cls.company.id})
            | Interest.create({"name": "Matrix: shared", "company_id": False})
            | Interest.create({"name": "Matrix: company B", "company_id": cls.company_b.id})
        )
        cls.env.flush_all()
        cls.env.cr.precommit.run()  # grades (and their history and plans) of the customers
        # grading and follow-up plans: rows of Sally's, Alex's and the free customer
        cls.fx_grade_history = cls.env["crm.standard.grade.history"].search(
            [("partner_id", "in", cls.fx_customers.ids)]
        )
        cls.fx_plans = cls.env["crm.standard.followup.plan"].search(
            [("partner_id", "in", cls.fx_customers.ids)]
        )
        # tickets: the agent's own, the team's unassigned one, the manager's,
        # and the manager's in the agent's team (the agent reads it, read-only)
        team = cls.env["crm.standard.ticket.team"].create(
            {
                "name": "Matrix Team",
                "assignment_method": "manual",
                "member_ids": [Command.set(cls.user_service_agent.ids)],
            }
        )
        Ticket = cls.env["crm.standard.ticket"]
        cls.fx_tickets = (
            Ticket.create(
                {
                    "name": "Sally's customer, the agent's ticket",
                    "partner_id": cls.cust_sally.id,
                    "team_id": team.id,
                    "user_id": cls.user_service_agent.id,
                }
            )
            | Ticket.create(
                {
                    "name": "Alex's customer, unassigned",
                    "partner_id": cls.cust_alex.id,
                    "team_id": team.id,
                }
            )
            | Ticket.create(
                {
                    "name": "Free customer, the manager's",
                    "partner_id": cls.cust_free.id,
                    "user_id": cls.user_service_manager.id,
                }
            )
            | Ticket.create(
                {
                    "name": "Free customer, the manager's in the agent's team",
                    "partner_id": cls.cust_free.id,
                    "team_id": team.id,
                    "user_id": cls.user_service_manager.id,
                }
            )
        )

    def _as(self, role, model):
        """``model`` as the user of ``role``, with an empty cache."""
        self.env.invalidate_all()
        return self.env[model].with_user(self.role_users[role])

    # ------------------------------------------------------------------
    # The matrix
    # ------------------------------------------------------------------
    @classmethod
    def _addon_models(cls):
        """Models defined or extended by crm_standard (those whose ``modules``
        include it): its ``model_*`` external ids."""
        data = cls.env["ir.model.data"].search(
            [("module", "=", "crm_standard"), ("model", "=", "ir.model")]
        )
        models = cls.env["ir.model"].browse(data.mapped("res_id")).mapped("model")
        return sorted(m for m in models if m in cls.env and not cls.env[m]._abstract)

    def test_every_model_of_the_addon_has_a_row(self):
        models = self._addon_models()
        missing = [m for m in models if m not in matrix.ACCESS]
        self.assertFalse(
            missing,
            f"crm_standard models without a row in tests/access_matrix.py ACCESS: {missing}",
        )
        stale = sorted(set(matrix.ACCESS) - set(models))
        self.assertFalse(stale, f"rows of ACCESS for models the addon lacks: {stale}")
        for row in matrix.ACCESS.values():
            self.assertEqual(len(row), len(matrix.ROLES) + 1)
            for cell in row[:-1]:
                self.assertLessEqual(set(cell), set("CRUD"))
        self.assertEqual(tuple(self.role_users), matrix.ROLE_KEYS)

    def test_crud_rights_of_every_role_on_every_model(self):
        """model x role x operation, exactly: a right missing or added fails."""
        mismatches, actual_rows = [], {}
        checks = 0
        for model in self._addon_models():
            if model not in matrix.ACCESS:
                continue  # reported by test_every_model_of_the_addon_has_a_row
            actual = {}
            for role in matrix.ROLE_KEYS:
                Model = self._as(role, model)
                granted = "".join(
                    letter
                    for letter, operation in matrix.OPERATIONS
                    if Model.browse().has_access(operation)
                )
                actual[role] = granted
                expected = matrix.rights(model, role)
                for letter, operation in matrix.OPERATIONS:
                    checks += 1
                    if (letter in granted) != (letter in expected):
                        mismatches.append(
                            f"{role} {operation} {model}: expected "
                            f"{'allowed' if letter in expected else 'refused'}"
                        )
            if any(actual[r] != matrix.rights(model, r) for r in matrix.ROLE_KEYS):
                actual_rows[model] = matrix.row_source(model, actual, matrix.ACCESS[model][-1])
        self.assertFalse(
            mismatches, "\n".join(mismatches + ["", "actual rows:"] + list(actual_rows.values()))
        )
        # Each model x role x operation is one check.
        self.assertEqual(checks, len(matrix.ACCESS) * len(matrix.ROLES) * 4)
        self.assertGreaterEqual(checks, 100)
        _logger.info("access matrix: %s CRUD checks", checks)

    def test_refused_operations_raise_for_real(self):
        """The matrix probes ``has_access``; the ORM refuses for real too."""
        with self.assertRaises(AccessError):
            self._as("salesman", "crm.standard.interest").create({"name": "Nope"})
        with self.assertRaises(AccessError):
            self._as("internal", "crm.lead").search([])
        with self.assertRaises(AccessError):
            self._as("portal", "crm.standard.change.request").search([])
        with self.assertRaises(AccessError):
            self.fx_requests[0].with_user(self.user_salesman).write({"comment": "mine"})
        interest = self._as("sales_manager", "crm.standard.interest").create({"name": "Yes"})
        self.assertEqual(interest.create_uid, self.user_sales_manager)

    def test_matrix_makes_well_over_100_checks(self):
        """CRUD + visibility + field checks, counted from the tables."""
        roles = len(matrix.ROLES)
        crud = len(matrix.ACCESS) * roles * 4
        visibility = len(VISIBILITY) * roles * 2
        fields = len(matrix.FIELD_ACCESS) * roles * 2
        # 24 models x 8 roles x 4 + 9 fixtures x 8 roles x 2 + 3 fields x 8 roles x 2
        # = 960 today; the floor, 304, is the count when the matrix had 6 models,
        # 5 fixtures and 2 fields; more as models get their rows
        self.assertGreaterEqual(crud + visibility + fields, 304)

    # ------------------------------------------------------------------
    # Record rules on a fixed data set
    # ------------------------------------------------------------------
    def test_visibility_per_role_on_fixture(self):
        """Rows readable and writable per role: a widened rule fails."""
        self.assertEqual(len(self.fx_requests), 5)
        mismatches = []
        checks = 0
        for model, (fixture, counts) in VISIBILITY.items():
            records = getattr(self, fixture)
            self.assertEqual(records._name, model)
            for role, (readable, writable) in zip(matrix.ROLE_KEYS, counts, strict=True):
                Model = self._as(role, model)
                actual_read = (
                    Model.search_count([("id", "in", records.ids)])
                    if Model.browse().has_access("read")
                    else None
                )
                self.env.invalidate_all()
                mine = records.with_user(self.role_users[role])
                actual_write = (
                    len(mine._filtered_access("write"))
                    if Model.browse().has_access("write")
                    else None
                )
                checks += 2
                if (actual_read, actual_write) != (readable, writable):
                    mismatches.append(
                        f"{role} on {model}: (readable, writable) = "
                        f"{(actual_read, actual_write)}, expected {(readable, writable)}"
                    )
        self.assertFalse(mismatches, "\n".join(mismatches))
        _logger.info("access matrix: %s visibility checks", checks)

    def test_salesperson_sees_requests_of_own_customers_and_own_requests(self):
        requests = self._as("salesman", "crm.standard.change.request").search(
            [("id", "in", self.fx_requests.ids)]
        )
        self.assertEqual(sorted(requests.ids), sorted(self.fx_requests[:3].ids))
        # Alex's customer is hidden from Sally (visibility by owner): its name
        # shows through the web client's sudo display_name, as here.
        self.assertEqual(
            set(requests.sudo().mapped("partner_id.name")),
            {"Sally Customer Co", "Alex Customer Co"},
        )
        hidden = self.fx_requests[3].with_user(self.user_salesman)
        with self.assertRaises(AccessError):
            hidden.read(["state"])
        agent = self._as("service_agent", "crm.standard.change.request").search([])
        self.assertEqual(agent.ids, self.fx_requests[4].ids)

    # ------------------------------------------------------------------
    # Restricted fields
    # ------------------------------------------------------------------
    def test_sensitive_fields_readable_by_sales_and_service_roles_only(self):
        checks = 0
        for (model, fname), allowed in matrix.FIELD_ACCESS.items():
            for role in matrix.ROLE_KEYS:
                Model = self._as(role, model)
                with self.subTest(model=model, field=fname, role=role):
                    if role in allowed:
                        Model.check_field_access_rights("read", [fname])
                        self.assertIn(fname, Model.fields_get())
                    else:
                        with self.assertRaises(AccessError):
                            Model.check_field_access_rights("read", [fname])
                        self.assertNotIn(fname, Model.fields_get())
                    checks += 2
        self.assertEqual(checks, len(matrix.FIELD_ACCESS) * len(matrix.ROLES) * 2)
        _logger.info("access matrix: %s field checks", checks)

    # ------------------------------------------------------------------
    # Fields only the system writes
    # ------------------------------------------------------------------
    def test_system_fields_listed_by_each_model(self):
        """The matrix and each model's ``_crm_protected_fields()`` agree."""
        for model in {model for model, __ in matrix.SYSTEM_FIELDS}:
            protected = self.env[model]._crm_protected_fields()
            expected = {f for m, f in matrix.SYSTEM_FIELDS if m == model}
            self.assertEqual(set(protected), expected, model)

    def _system_field_fixture(self, model):
        if model == "res.partner":
            return self.cust_sally
        if model == "crm.standard.ticket":
            return self.fx_tickets[0]
        if model == "crm.standard.followup.plan":
            # (the stage proposal, then the grade's: two plans; one is enough)
            return self.fx_plans.filtered(lambda p: p.partner_id == self.cust_sally)[:1]
        if model == "crm.standard.improvement":
            # owned by the restricted salesperson: the owner may write it, not this field
            return self.env["crm.standard.improvement"].create(
                {"name": "x", "user_id": self.user_salesman.id, "date_deadline": "2027-01-31"}
            )
        return (
            self.env["crm.standard.grade.override"]
            .with_user(self.user_salesman)
            .create({"partner_id": self.cust_sally.id, "requested_grade": "S", "reason": "x"})
            .sudo()
        )

    @staticmethod
    def _other_value(record, fname):
        """A value of ``fname`` other than the one ``record`` holds."""
        field = record._fields[fname]
        current = record[fname]
        earlier = (
            (current or datetime(2020, 1, 1)) - timedelta(days=3)
            if field.type in ("date", "datetime")
            else None
        )
        others = {
            "selection": lambda: next(
                value for value, __ in field._description_selection(record.env) if value != current
            ),
            "boolean": lambda: not current,
            "integer": lambda: (current or 0) + 7,
            "float": lambda: (current or 0) + 7,
            "monetary": lambda: (current or 0) + 7,
            "date": lambda: fields.Date.to_string(earlier),
            "datetime": lambda: fields.Datetime.to_string(earlier),
            "many2one": lambda: (
                record.env["res.users"].search([("id", "!=", current.id)], limit=1).id
            ),
        }
        return others.get(field.type, lambda: "forged")()

    def test_system_fields_refused_to_every_role(self):
        """Each role writes each system-set field of a record of the fixture:
        refused, except for the roles the matrix names (then rolled back)."""

        class Written(Exception):
            pass

        mismatches, checks = [], 0
        fixtures = {model: self._system_field_fixture(model) for model, __ in matrix.SYSTEM_FIELDS}
        for (model, fname), allowed in sorted(matrix.SYSTEM_FIELDS.items()):
            record = fixtures[model]
            self.assertEqual(len(record), 1, model)
            value = self._other_value(record, fname)
            for role in matrix.ROLE_KEYS:
                self.env.invalidate_all()
                try:
                    with self.env.cr.savepoint():
                        record.with_user(self.role_users[role]).write({fname: value})
                        raise Written
                except Written:
                    written = True
                except (AccessError, UserError):
                    written = False
                checks += 1
                if written != (role in allowed):
                    mismatches.append(f"{role} writing {model}.{fname}: written={written}")
        self.assertFalse(mismatches, "\n".join(mismatches))
        self.assertEqual(checks, len(matrix.SYSTEM_FIELDS) * len(matrix.ROLES))
        _logger.info("access matrix: %s system field checks", checks)

    def test_user_without_group_cannot_read_annual_revenue(self):
        self.cust_sally.annual_revenue = 5000000
        partner = self.cust_sally.with_user(self.user_internal)
        self.env.invalidate_all()
        self.assertEqual(partner.read(["name"])[0]["name"], "Sally Customer Co")
        with self.assertRaises(AccessError):
            partner.read(["annual_revenue"])
        with self.assertRaises(AccessError):
            partner.search_read([("id", "=", partner.id)], ["annual_revenue"])
        self.env.invalidate_all()
        for role in ("salesman", "service_agent"):
            values = self.cust_sally.with_user(self.role_users[role]).read(["annual_revenue"])
            self.assertEqual(values[0]["annual_revenue"], 5000000)

    def test_revenue_tracking_is_hidden_from_users_without_group(self):
        self._run_precommit()  # the customers exist before the change
        self.cust_sally.annual_revenue = 7000000
        self._run_precommit()  # tracking values are written at commit
        tracking = self.cust_sally.message_ids.sudo().tracking_value_ids.filtered(
            lambda t: t.field_id.name == "annual_revenue"
        )
        self.assertEqual(len(tracking), 1)
        internal_env = self.env(user=self.user_internal)
        self.assertFalse(tracking._filter_has_field_access(internal_env))
        self.assertEqual(
            tracking._filter_has_field_access(self.env(user=self.user_salesman)), tracking
        )

    def test_user_without_group_cannot_write_budget_or_revenue(self):
        with self.assertRaises(AccessError):
            self.cust_free.with_user(self.user_internal).write({"annual_revenue": 1})
        self.assertEqual(self.cust_free.annual_revenue, 0)

    def test_views_load_without_the_sensitive_fields_for_other_users(self):
        """Views still load for a user without the groups; the fields vanish."""
        for role, visible in (("internal", False), ("salesman", True), ("service_agent", True)):
            Partner = self._as(role, "res.partner")
            views = Partner.get_views(
                [
                    (False, "form"),
                    (False, "list"),
                    (self.env.ref("crm_standard.res_partner_view_pivot_crm_standard").id, "pivot"),
                ]
            )
            for view_type in ("form", "list", "pivot"):
                arch = views["views"][view_type]["arch"]
                self.assertEqual('name="annual_revenue"' in arch, visible, (role, view_type))
            self.assertEqual(
                "annual_revenue" in views["models"]["res.partner"]["fields"], visible, role
            )
        for role in ("salesman", "sales_manager"):
            views = self._as(role, "crm.lead").get_views([(False, "form"), (False, "list")])
            self.assertIn('name="budget"', views["views"]["form"]["arch"])

    def test_restricted_fields_carry_their_groups_in_every_view_of_the_addon(self):
        """A field with groups= shows in our views with the same groups."""
        data = self.env["ir.model.data"].search(
            [("module", "=", "crm_standard"), ("model", "=", "ir.ui.view")]
        )
        checked = 0
        for view in self.env["ir.ui.view"].browse(data.mapped("res_id")):
            if view.type == "qweb" or view.model not in self.env:
                continue
            Model = self.env[view.model]
            for node in etree.fromstring(view.arch_db).iter("field"):
                field = Model._fields.get(node.get("name"))
                # internal-only fields (activities, ratings...) fit any backend view
                if field is None or field.groups in (False, None, "base.group_user"):
                    continue
                if any(a.tag == "field" for a in node.iterancestors()):
                    continue  # a field of a sub-view, on another model
                # the node's groups, or those of its closest ancestor with groups
                groups = next(
                    (n.get("groups") for n in node.iterancestors() if n.get("groups")), None
                )
                with self.subTest(view=view.xml_id, field=field.name):
                    self.assertEqual(
                        set((node.get("groups") or groups or "").split(",")),
                        set(field.groups.split(",")),
                    )
                    checked += 1
        self.assertGreaterEqual(checked, 5)  # revenue in form/list/pivot, budget in form/list

    # ------------------------------------------------------------------
    # Multi-company
    # ------------------------------------------------------------------
    def test_company_b_user_sees_nothing_of_company_a(self):
        user_b = new_test_user(
            self.env,
            login="crm_company_b",
            name="Bea B",
            groups="crm_standard.group_crm_standard_admin",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        customer_a = self._create_customer("Company A Customer", company_id=self.company.id)
        customer_a.action_make_customer()
        lead_a = self._create_opportunity(customer_a, company_id=self.company.id)
        field_name = self.env["ir.model.fields"]._get("res.partner", "name")
        request_a = self.env["crm.standard.change.request"].create(
            {
                "partner_id": customer_a.id,
                "field_id": field_name.id,
                "old_value": '"Company A Customer"',
                "new_value": '"Renamed"',
                "requested_by_id": self.user_salesman.id,
            }
        )
        self.assertEqual(request_a.company_id, self.company)
        customer_b = self._create_customer("Company B Customer", company_id=self.company_b.id)
        request_b = self.env["crm.standard.change.request"].create(
            {
                "partner_id": customer_b.id,
                "field_id": field_name.id,
                "old_value": '"Company B Customer"',
                "new_value": '"Renamed B"',
                "requested_by_id": self.user_salesman.id,
                "company_id": self.company_b.id,
            }
        )
        company_a_records = {
            "res.partner": customer_a,
            "crm.lead": lead_a,
            "crm.standard.change.request": request_a,
            "crm.standard.interest": self.fx_interests[0],
        }
        company_b_records = {
            "res.partner": customer_b,
            "crm.standard.change.request": request_b,
            "crm.standard.interest": self.fx_interests[2],
        }
        for model, records in company_a_records.items():
            self.env.invalidate_all()
            Model = self.env[model].with_user(user_b)
            self.assertEqual(Model.search_count([("id", "in", records.ids)]), 0, model)
            with self.assertRaises(AccessError, msg=model):
                records.with_user(user_b).read(["display_name"])
        for model, records in company_b_records.items():
            self.env.invalidate_all()
            Model = self.env[model].with_user(user_b)
            self.assertEqual(
                Model.search([("id", "in", records.ids)]), records.with_user(user_b), model
            )

    def test_every_model_owned_by_the_addon_has_a_company_rule(self):
        Rule = self.env["ir.rule"]
        for model in self._addon_models():
            Model = self.env[model]
            if Model._transient or self.env["ir.model"]._get(model).modules != "crm_standard":
                continue  # Odoo's models keep Odoo's company rules
            with self.subTest(model=model):
                self.assertTrue(
                    "company_id" in Model._fields or "company_ids" in Model._fields,
                    f"{model} needs a company field",
                )
                rules = Rule.search([("model_id.model", "=", model), ("global", "=", True)])
                self.assertTrue(
                    any("company_ids" in rule.domain_force for rule in rules),
                    f"{model} has no multi-company rule on company_ids",
                )

    # ------------------------------------------------------------------
    # Groups
    # ------------------------------------------------------------------
    def test_group_ladder(self):
        agent = self.env.ref("crm_standard.group_crm_standard_service_agent")
        manager = self.env.ref("crm_standard.group_crm_standard_service_manager")
        admin = self.env.ref("crm_standard.group_crm_standard_admin")
        category = self.env.ref("crm_standard.module_category_crm_standard")
        self.assertEqual(category.name, "CRM Standard")
        self.assertEqual(
            self.env["res.groups"].search([("category_id", "=", category.id)]),
            agent | manager | admin,
        )
        self.assertEqual(agent.implied_ids, self.env.ref("base.group_user"))
        self.assertEqual(manager.implied_ids, agent)
        self.assertEqual(admin.implied_ids, manager | self.env.ref("sales_team.group_sale_manager"))
        self.assertIn(agent, admin.trans_implied_ids)
        self.assertIn(self.env.ref("sales_team.group_sale_salesman"), admin.trans_implied_ids)

    def test_admin_user_has_every_role_after_install(self):
        admin = self.env.ref("base.user_admin")
        for xmlid in [groups for __, __, groups in matrix.ROLES if groups != "base.group_portal"]:
            self.assertTrue(admin.has_group(xmlid), xmlid)
        self.assertFalse(admin.has_group("base.group_portal"))

    # ------------------------------------------------------------------
    # README
    # ------------------------------------------------------------------
    def test_readme_table_matches_the_matrix(self):
        readme = Path(__file__).resolve().parents[2] / "docs" / "access.md"
        if not readme.exists():
            self.skipTest("docs/access.md not shipped with this copy of the addon")
        section = matrix.current_readme_section(readme.read_text(encoding="utf-8"))
        self.assertEqual(
            section,
            matrix.readme_section(),
            "docs/access.md's access table is stale: run python3 tools/access_table.py --write",
        )

    def test_readme_section_is_created_when_missing(self):
        text = matrix.replace_readme_section("# Title\n")
        self.assertIn("## Roles and access", text)
        self.assertEqual(matrix.current_readme_section(text), matrix.readme_section())
        self.assertEqual(matrix.replace_readme_section(text), text)

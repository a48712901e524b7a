"""The web client's save of a partner form as a salesperson who sees only
their own customers: the real JSON-RPC routes (``web_save`` with the form's
specification, then the chatter's routes), not the ORM methods behind them.
"""

import json

from lxml import etree

from odoo.tests import HttpCase, tagged

from .common import CrmStandardCommon


@tagged("post_install", "-at_install")
class TestPartnerFormSave(CrmStandardCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_colleague = cls._create_colleague()
        cls.cust_colleague = cls._create_customer(
            "Colleague Customer Co", user_id=cls.user_colleague.id
        )
        cls.cust_colleague.action_make_customer()
        # the salesperson works an opportunity of the colleague's customer:
        # they see the company (and may open its form)
        cls.opportunity = cls._create_opportunity(cls.cust_colleague, user_id=cls.user_salesman.id)
        cls.company.crm_pool_enabled = False
        cls.action_context = {"default_is_company": True, "default_is_crm_customer": True}

    # ------------------------------------------------------------------
    # helpers: what the web client sends
    # ------------------------------------------------------------------
    def _rpc(self, route, params):
        """JSON-RPC call; returns (result, error) as the browser gets them."""
        response = self.url_open(
            route,
            data=json.dumps({"id": 0, "jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        body = response.json()
        return body.get("result"), body.get("error")

    def _call_kw(self, method, args, kwargs):
        return self._rpc(
            f"/web/dataset/call_kw/res.partner/{method}",
            {"model": "res.partner", "method": method, "args": args, "kwargs": kwargs},
        )

    def _form_spec(self, user):
        """The specification the web client builds from the form view the
        user gets (fields, many2one display names, x2many sub-lists)."""
        arch = self.env["res.partner"].with_user(user).get_views([(False, "form")])["views"]
        return self._spec_of(etree.fromstring(arch["form"]["arch"]), "res.partner")

    def _spec_of(self, node, model):
        spec = {}
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag != "field":
                spec.update(self._spec_of(child, model))
                continue
            field = self.env[model]._fields[child.get("name")]
            entry = spec.setdefault(field.name, {})
            if field.type == "many2one":
                entry["fields"] = {"display_name": {}}
            elif field.type in ("one2many", "many2many"):
                sub = next((c for c in child if c.tag in ("list", "kanban")), None)
                if sub is not None:
                    entry["fields"] = self._spec_of(sub, field.comodel_name)
                elif child.get("widget") == "many2many_tags":
                    entry["fields"] = {"display_name": {}}
        return spec

    def _default_vals(self, user, spec, context):
        """The form's new record: onchange() defaults, as the client sends them."""
        self.env.invalidate_all()
        result = (
            self.env["res.partner"]
            .with_user(user)
            .with_context(**context)
            .onchange({}, [], {name: {} for name in spec})
        )
        vals = {
            name: (value["id"] if isinstance(value, dict) else value)
            for name, value in result["value"].items()
            if not isinstance(value, list)
        }
        return vals

    def _save_new(self, user, vals, context=None):
        context = dict(self.action_context, **(context or {}))
        spec = self._form_spec(user)
        values = dict(self._default_vals(user, spec, context), **vals)
        self.authenticate(user.login, user.login)
        return self._call_kw("web_save", [[], values], {"specification": spec, "context": context})

    def _chatter_calls(self, partner_id):
        """What the form's chatter loads once the record has an id."""
        data, error = self._rpc(
            "/mail/thread/data",
            {
                "thread_model": "res.partner",
                "thread_id": partner_id,
                "request_list": ["activities", "attachments", "followers", "suggestedRecipients"],
            },
        )
        self.assertFalse(error, "the chatter's data loads")
        messages, error = self._rpc(
            "/mail/thread/messages",
            {"thread_model": "res.partner", "thread_id": partner_id, "limit": 30},
        )
        self.assertFalse(error, "the chatter's messages load")
        return data, messages

    def _sudo_partner(self, name):
        return (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("name", "=", name)])
        )

    # ------------------------------------------------------------------
    # tests
    # ------------------------------------------------------------------
    def test_form_proposes_the_salesperson_themselves(self):
        spec = self._form_spec(self.user_salesman)
        self.assertIn("user_id", spec, "the form shows the salesperson")
        vals = self._default_vals(self.user_salesman, spec, self.action_context)
        self.assertEqual(vals["user_id"], self.user_salesman.id)
        vals = self._default_vals(self.user_salesman_all, spec, self.action_context)
        self.assertFalse(vals.get("user_id"), "no default for an all-documents salesperson")

    def test_new_customer_saved_from_the_form_renders_and_loads_its_chatter(self):
        result, error = self._save_new(
            self.user_salesman,
            {"name": "Form Own Co", "email": "info@formown.example.com"},
        )
        self.assertFalse(error)
        partner = self._sudo_partner("Form Own Co")
        self.assertEqual(result[0]["id"], partner.id)
        self.assertEqual(result[0]["user_id"]["id"], self.user_salesman.id)
        self.assertTrue(partner.is_crm_customer)
        self.assertTrue(partner.crm_visibility_restricted)
        data, messages = self._chatter_calls(partner.id)
        thread = next(t for t in data["mail.thread"] if t["id"] == partner.id)
        self.assertTrue(thread["hasReadAccess"])
        self.assertTrue(thread["hasWriteAccess"])
        self.assertTrue(messages["messages"], "the creation note is listed")
        reloaded, error = self._call_kw(
            "web_read", [[partner.id]], {"specification": self._form_spec(self.user_salesman)}
        )
        self.assertFalse(error)
        self.assertEqual(reloaded[0]["name"], "Form Own Co")

    def test_new_customer_for_a_colleague_is_refused_before_saving(self):
        result, error = self._save_new(
            self.user_salesman,
            {
                "name": "Form For Colin Co",
                "email": "info@formcolin.example.com",
                "user_id": self.user_colleague.id,
            },
        )
        self.assertFalse(result)
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
        self.assertIn("Salesperson", error["data"]["message"])
        self.assertIn("Own Documents Only", error["data"]["message"])
        self.assertIn("Colin Colleague", error["data"]["message"])
        self.assertFalse(self._sudo_partner("Form For Colin Co"), "nothing is saved")

    def test_error_message_is_translated(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.user_salesman.lang = "zh_CN"
        __, error = self._save_new(
            self.user_salesman,
            {"name": "Form Zh Co", "user_id": self.user_colleague.id},
            context={"lang": "zh_CN"},
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
        self.assertNotIn("Own Documents Only", error["data"]["message"])

    def test_new_customer_without_salesperson_is_refused_without_pool(self):
        result, error = self._save_new(
            self.user_salesman, {"name": "Form Nobody Co", "user_id": False}
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
        self.assertFalse(self._sudo_partner("Form Nobody Co"))
        # with the public pool it is a pool customer: saved and readable
        self.company.crm_pool_enabled = True
        result, error = self._save_new(
            self.user_salesman, {"name": "Form Pool Co", "user_id": False}
        )
        self.assertFalse(error)
        partner = self._sudo_partner("Form Pool Co")
        self.assertTrue(partner.crm_in_pool)
        self.assertEqual(result[0]["id"], partner.id)

    def test_new_partner_with_a_colleague_as_salesperson_is_their_customer(self):
        """A partner with a salesperson is a customer (res_partner_ownership):
        even without the customer flag, one created for a colleague is the
        colleague's customer, so the save is refused like any other."""
        result, error = self._save_new(
            self.user_salesman,
            {"name": "Form Vendor Co", "user_id": self.user_colleague.id},
            context={"default_is_crm_customer": False},
        )
        self.assertFalse(result)
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
        self.assertIn("Colin Colleague", error["data"]["message"])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Form Vendor Co")]))

    def test_new_partner_without_salesperson_is_saved_and_open(self):
        """Partners outside the CRM (no customer flag, no salesperson) stay
        readable by all."""
        result, error = self._save_new(
            self.user_salesman,
            {"name": "Form Vendor Co", "user_id": False},
            context={"default_is_crm_customer": False},
        )
        self.assertFalse(error)
        self.assertFalse(result[0]["user_id"])

    def test_contact_added_to_a_colleagues_company_is_refused(self):
        """The salesperson opens the colleague's company (readable through
        their opportunity) and adds a contact in "Contacts & Addresses"."""
        spec = self._form_spec(self.user_salesman)
        self.assertIn("child_ids", spec)
        self.authenticate(self.user_salesman.login, self.user_salesman.login)
        record, error = self._call_kw(
            "web_read", [[self.cust_colleague.id]], {"specification": spec}
        )
        self.assertFalse(error, "the company of their opportunity opens")
        self.assertEqual(record[0]["name"], "Colleague Customer Co")
        result, error = self._call_kw(
            "web_save",
            [
                [self.cust_colleague.id],
                {"child_ids": [[0, 0, {"name": "Form Hidden Contact", "type": "contact"}]]},
            ],
            {"specification": spec},
        )
        self.assertFalse(result)
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
        self.assertIn("Salesperson", error["data"]["message"])
        self.assertFalse(self._sudo_partner("Form Hidden Contact"))

    def test_contact_added_to_own_company_is_saved_and_listed(self):
        own = self._create_customer("Form Mine Co", user_id=self.user_salesman.id)
        spec = self._form_spec(self.user_salesman)
        self.authenticate(self.user_salesman.login, self.user_salesman.login)
        result, error = self._call_kw(
            "web_save",
            [[own.id], {"child_ids": [[0, 0, {"name": "Form Mine Contact", "type": "contact"}]]}],
            {"specification": spec},
        )
        self.assertFalse(error)
        contact = self._sudo_partner("Form Mine Contact")
        self.assertIn(contact.id, [c["id"] for c in result[0]["child_ids"]])

    def test_handing_a_customer_over_from_the_form_is_refused(self):
        own = self._create_customer("Form Handover Co", user_id=self.user_salesman.id)
        own.action_make_customer()
        self.authenticate(self.user_salesman.login, self.user_salesman.login)
        __, error = self._call_kw(
            "web_save",
            [[own.id], {"user_id": self.user_colleague.id}],
            {"specification": self._form_spec(self.user_salesman)},
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
        self.env.invalidate_all()
        self.assertEqual(own.user_id, self.user_salesman, "nothing is saved")

    def test_make_customer_from_the_form_keeps_the_partner_readable(self):
        """The button on an open partner nobody owns, then the form's reload."""
        partner = self._create_customer("Form Make Customer Co", user_id=False)
        spec = self._form_spec(self.user_salesman)
        self.authenticate(self.user_salesman.login, self.user_salesman.login)
        __, error = self._rpc(
            "/web/dataset/call_button/res.partner/action_make_customer",
            {
                "model": "res.partner",
                "method": "action_make_customer",
                "args": [[partner.id]],
                "kwargs": {"context": {}},
            },
        )
        self.assertFalse(error)
        record, error = self._call_kw("web_read", [[partner.id]], {"specification": spec})
        self.assertFalse(error, "the form reloads")
        self.assertEqual(record[0]["user_id"]["id"], self.user_salesman.id)
        self.assertTrue(record[0]["is_crm_customer"])

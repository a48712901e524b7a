"""A salesperson (own documents) sees only the customers they own, and Odoo
keeps working: every test acts as the salesperson with an empty cache, so
the record rules are really checked (no test passes by catching an error).
"""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from odoo.addons.base.models.ir_qweb import QWebException
from odoo.addons.mail.tools.discuss import Store

from .common import CrmStandardCommon


class TestPartnerVisibility(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_colleague = cls._create_colleague()
        cls.cust_own = cls._create_customer("Own Customer Co", user_id=cls.user_salesman.id)
        cls.contact_own = cls.env["res.partner"].create(
            {"name": "Olga Own", "parent_id": cls.cust_own.id, "email": "olga@own.example.com"}
        )
        cls.cust_other = cls._create_customer("Other Customer Co", user_id=cls.user_colleague.id)
        cls.contact_other = cls.env["res.partner"].create(
            {
                "name": "Otto Other",
                "parent_id": cls.cust_other.id,
                "email": "otto@other.example.com",
            }
        )
        cls.cust_free = cls._create_customer("Free Customer Co", user_id=False)
        (cls.cust_own | cls.cust_other | cls.cust_free).action_make_customer()
        # no salesperson: a partner with one is a customer (res_partner_ownership)
        cls.vendor = cls._create_customer("Vendor Co", user_id=False)
        cls.Partner = cls.env["res.partner"]

    def _visible(self, user, partners):
        return self._as(user, "res.partner").search([("id", "in", partners.ids)])

    # ------------------------------------------------------------------
    # The rule
    # ------------------------------------------------------------------
    def test_restricted_flag_and_owner_are_stored_per_commercial_entity(self):
        self.assertTrue(self.cust_own.crm_visibility_restricted)
        self.assertTrue(self.contact_own.crm_visibility_restricted)
        self.assertEqual(self.contact_own.crm_owner_user_id, self.user_salesman)
        self.assertFalse(self.vendor.crm_visibility_restricted)
        self.cust_own.user_id = self.user_colleague
        self.assertEqual(self.contact_own.crm_owner_user_id, self.user_colleague)
        self.assertEqual(self.cust_own.crm_owner_date, self.cust_own.crm_owner_date.today())
        for fname in ("crm_owner_user_id", "crm_visibility_restricted", "crm_visibility_key"):
            self.assertTrue(self.Partner._fields[fname].index, fname)

    def test_visibility_key_is_open_pool_or_owner_and_follows_the_owner(self):
        # the one column the rule filters partners on by their own fields
        self.assertEqual(self.vendor.crm_visibility_key, 0)
        self.assertEqual(self.company.partner_id.crm_visibility_key, 0)
        self.assertEqual(self.cust_free.crm_visibility_key, -1)
        self.assertEqual(self.contact_own.crm_visibility_key, self.user_salesman.id)
        self.cust_own.user_id = self.user_colleague
        self.assertEqual(self.contact_own.crm_visibility_key, self.user_colleague.id)
        self.cust_own.user_id = False
        self.assertEqual(self.contact_own.crm_visibility_key, -1)
        self.cust_own.is_crm_customer = False
        self.assertEqual(self.contact_own.crm_visibility_key, 0)

    def test_salesperson_sees_own_customers_with_contacts_not_colleagues(self):
        everyone = self.cust_own | self.contact_own | self.cust_other | self.contact_other
        visible = self._visible(self.user_salesman, everyone)
        self.assertEqual(visible.ids, (self.cust_own | self.contact_own).ids)
        for partner in self.cust_other | self.contact_other:
            with self.assertRaises(AccessError):
                self._as(self.user_salesman, partner).read(["name"])
            with self.assertRaises(AccessError):
                self._as(self.user_salesman, partner).write({"comment": "mine now"})
        own = self._as(self.user_salesman, self.cust_own)
        own.write({"comment": "my customer"})
        self.assertEqual(own.read(["name"])[0]["name"], "Own Customer Co")
        self.assertEqual(
            self.contact_own.with_user(self.user_salesman).email, "olga@own.example.com"
        )

    def test_unowned_customer_visible_only_with_the_public_pool(self):
        self.company.crm_pool_enabled = False
        self.assertFalse(self._visible(self.user_salesman, self.cust_free))
        self.company.crm_pool_enabled = True
        self.assertEqual(self._visible(self.user_salesman, self.cust_free), self.cust_free)
        self.assertTrue(self.cust_free.with_user(self.user_salesman).crm_in_pool)

    def test_all_documents_managers_and_service_manager_see_everything(self):
        everyone = self.cust_own | self.contact_own | self.cust_other | self.contact_other
        everyone |= self.cust_free
        for user in (
            self.user_salesman_all,
            self.user_sales_manager,
            self.user_crm_admin,
            self.user_service_manager,
            self.user_service_agent,
        ):
            self.assertEqual(self._visible(user, everyone), everyone.with_user(user), user.name)

    def test_salesperson_with_another_role_keeps_the_restriction(self):
        self.user_salesman.groups_id += self.env.ref("base.group_partner_manager")
        self.user_salesman.groups_id += self.env.ref("base.group_allow_export")
        self.assertFalse(self._visible(self.user_salesman, self.cust_other))

    def test_rules_are_bound_to_groups_never_global(self):
        rules = self.env["ir.rule"].search(
            [("model_id.model", "in", ("res.partner", "mail.followers"))]
        )
        ours = rules.filtered(lambda r: r.get_external_id()[r.id].startswith("crm_standard."))
        self.assertEqual(len(ours), 4)
        for rule in ours:
            self.assertFalse(rule["global"], rule.name)
        own = self.env.ref("crm_standard.res_partner_rule_crm_own_customers")
        self.assertEqual(own.groups, self.env.ref("sales_team.group_sale_salesman"))
        self.assertFalse(own.perm_create, "creating for a colleague is allowed")

    def test_portal_user_unaffected(self):
        portal = new_test_user(
            self.env, login="crm_vis_portal", name="Paula Portal", groups="base.group_portal"
        )
        portal.partner_id.parent_id = self.cust_other
        visible = self._visible(portal, self.cust_other | self.cust_own | portal.partner_id)
        self.assertEqual(visible, (self.cust_other | portal.partner_id).with_user(portal))

    def test_team_leader_option_sees_team_members_customers(self):
        leader = new_test_user(
            self.env,
            login="crm_leader",
            name="Lea Leader",
            groups="sales_team.group_sale_salesman",
        )
        self.env["crm.team"].create(
            {
                "name": "Visibility Team",
                "user_id": leader.id,
                "crm_team_member_ids": [Command.create({"user_id": self.user_colleague.id})],
            }
        )
        self.assertFalse(self._visible(leader, self.cust_other))
        leader.groups_id += self.env.ref("crm_standard.group_crm_standard_team_leader")
        self.assertEqual(self._visible(leader, self.cust_other | self.cust_own), self.cust_other)

    def test_integrator_hook_opens_partners(self):
        Partner = type(self.Partner)
        original = Partner._crm_is_visibility_restricted

        def not_vendors(partner):
            return original(partner) and partner.name != "Other Customer Co"

        with patch.object(Partner, "_crm_is_visibility_restricted", not_vendors):
            self.cust_other._compute_crm_visibility_restricted()
        self.assertFalse(self.cust_other.crm_visibility_restricted)
        self.assertEqual(self._visible(self.user_salesman, self.cust_other), self.cust_other)

    # ------------------------------------------------------------------
    # Traps: what must keep working
    # ------------------------------------------------------------------
    def test_colleagues_users_and_partners_stay_readable(self):
        """res.users inherits res.partner (odoo/odoo#131988, #35242)."""
        colleague = self._as(self.user_salesman, self.user_colleague)
        self.assertEqual(
            colleague.read(["name", "email", "im_status"])[0]["name"], "Colin Colleague"
        )
        users = self._as(self.user_salesman, "res.users").search(
            [("id", "=", self.user_colleague.id)]
        )
        self.assertEqual(users, colleague)
        self.assertEqual(colleague.partner_id.name, "Colin Colleague")

    def test_company_partner_with_salesperson_stays_readable(self):
        self.company.partner_id.with_context(crm_skip_quality_check=True).write(
            {"user_id": self.user_colleague.id, "is_crm_customer": True}
        )
        self.assertFalse(self.company.partner_id.crm_visibility_restricted)
        partner = self._as(self.user_salesman, self.company.partner_id)
        self.assertEqual(partner.read(["name"])[0]["name"], self.company.partner_id.name)
        self.assertEqual(
            self._as(self.user_salesman, self.company).partner_id.email, self.company.email
        )

    def test_non_customer_partners_stay_readable(self):
        self.assertEqual(self._visible(self.user_salesman, self.vendor), self.vendor)
        author = self.Partner.create({"name": "Mail Author", "email": "author@example.com"})
        self.assertEqual(self._visible(self.user_salesman, author), author)

    def test_assigned_opportunity_reads_its_partner_fields(self):
        """Computed fields of the lead read its partner as the user (odoo/odoo#58529)."""
        lead = self._create_opportunity(self.contact_other, user_id=self.user_salesman.id)
        lead = self._as(self.user_salesman, lead)
        fields = [
            name
            for name, field in lead._fields.items()
            if not field.groups or self.user_salesman.has_groups(field.groups)
        ]
        values = lead.read(fields)[0]
        self.assertEqual(values["partner_id"][0], self.contact_other.id)
        self.assertEqual(lead.partner_id.email, "otto@other.example.com")
        self.assertEqual(lead.partner_id.commercial_partner_id.name, "Other Customer Co")
        self.assertEqual(lead.customer_code, self.cust_other.customer_code)
        lead.email_from = "otto.new@other.example.com"  # writes the partner's e-mail
        self.assertEqual(self.contact_other.email, "otto.new@other.example.com")
        # the web client's form
        form = lead.get_views([(False, "form")])["views"]["form"]
        self.assertTrue(form["arch"])
        data = lead.web_read({"partner_id": {"fields": {"display_name": {}}}, "email_from": {}})
        self.assertEqual(data[0]["partner_id"]["id"], self.contact_other.id)

    def test_unassigned_lead_partner_readable_like_the_lead(self):
        lead = self._create_opportunity(self.cust_other, user_id=False)
        lead = self._as(self.user_salesman, lead)
        self.assertEqual(lead.partner_id.name, "Other Customer Co")
        lead.user_id = self.user_colleague
        self.assertFalse(self._visible(self.user_salesman, self.cust_other))

    def test_pipeline_loads_for_the_salesperson(self):
        mine = self._create_opportunity(self.cust_own, user_id=self.user_salesman.id)
        self._create_opportunity(self.cust_other, user_id=self.user_colleague.id)
        Lead = self._as(self.user_salesman, "crm.lead")
        views = Lead.get_views([(False, "kanban"), (False, "list"), (False, "search")])
        self.assertIn("kanban", views["views"])
        result = Lead.web_search_read(
            [("type", "=", "opportunity")],
            {"name": {}, "partner_id": {"fields": {"display_name": {}}}, "email_from": {}},
        )
        ids = [rec["id"] for rec in result["records"]]
        self.assertIn(mine.id, ids)
        groups = Lead.web_read_group([("type", "=", "opportunity")], ["stage_id"], ["stage_id"])
        self.assertTrue(groups["groups"])

    def test_activity_assigned_makes_partner_readable(self):
        self.assertFalse(self._visible(self.user_salesman, self.cust_other))
        self.cust_other.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.user_salesman.id, summary="Call them"
        )
        self.assertEqual(self._visible(self.user_salesman, self.cust_other), self.cust_other)

    def test_ticket_assigned_makes_its_customer_readable(self):
        self.assertFalse(self._visible(self.user_salesman, self.cust_other | self.contact_other))
        self.env["crm.standard.ticket"].create(
            {
                "name": "Broken widget",
                "partner_id": self.contact_other.id,
                "user_id": self.user_salesman.id,
            }
        )
        self.env.flush_all()
        self.assertEqual(
            self._visible(self.user_salesman, self.cust_other | self.contact_other),
            self.cust_other | self.contact_other,
        )

    def test_searched_partners_pass_the_read_check_without_a_query(self):
        self.cust_other.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.user_salesman.id, summary="Call them"
        )
        self._as(self.user_salesman, self.cust_own).check_access("read")  # warm the caches
        # cust_other is visible through the activity only: checking it alone
        # would query the linked documents
        found = self._as(self.user_salesman, "res.partner").search(
            [("id", "in", (self.cust_own | self.cust_other).ids)]
        )
        self.assertEqual(found, (self.cust_own | self.cust_other).with_user(self.user_salesman))
        found.sudo().read(["partner_share", "company_id"])  # what the company rule reads
        with self.assertQueryCount(0):
            found.check_access("read")

    def test_partner_handed_over_after_a_search_is_checked_again(self):
        found = self._as(self.user_salesman, "res.partner").search([("id", "=", self.cust_own.id)])
        self.cust_own.user_id = self.user_colleague
        with self.assertRaises(AccessError):
            found.check_access("read")

    def test_another_group_rule_keeps_visible_to_me_computed(self):
        group = self.env["res.groups"].create({"name": "Partner Auditors"})
        self.env["ir.rule"].create(
            {
                "name": "Auditors see Other Customer Co",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": f"[('id', '=', {self.cust_other.id})]",
                "groups": [Command.link(group.id)],
            }
        )
        self.user_salesman.groups_id += group
        found = self._visible(self.user_salesman, self.cust_own | self.cust_other)
        self.assertEqual(len(found), 2, "the other group's rule opens Other Customer Co")
        # the search did not mark it visible by the own customers rule
        self.assertFalse(found.filtered(lambda p: p == self.cust_other).crm_visible_to_me)
        self.assertTrue(found.filtered(lambda p: p == self.cust_own).crm_visible_to_me)

    def test_log_note_and_schedule_activity_on_own_customer(self):
        own = self._as(self.user_salesman, self.cust_own)
        message = own.message_post(body="Called, they want a demo", subtype_xmlid="mail.mt_note")
        self.assertEqual(message.author_id, self.user_salesman.partner_id)
        activity = own.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.user_salesman.id, summary="Demo"
        )
        self.assertEqual(activity.res_id, self.cust_own.id)
        activity.action_feedback(feedback="Done")
        own.message_subscribe(self.user_colleague.partner_id.ids)

    def test_chatter_followers_load_without_hidden_partners(self):
        """A follower the user may not see must not break the chatter
        (``mail.followers`` -> partner ``im_status``)."""
        self.cust_own.message_subscribe(
            (self.contact_other | self.user_colleague.partner_id | self.contact_own).ids
        )
        own = self._as(self.user_salesman, self.cust_own)
        followers = own.message_follower_ids
        self.assertNotIn(self.contact_other, followers.partner_id)
        self.assertIn(self.contact_own, followers.partner_id)
        followers._read_format(["display_name", "email", "is_active", "name", "partner_id"])
        self.env.invalidate_all()
        # what /mail/thread/data does with request_list=["followers"]
        thread = (
            self.env["res.partner"]
            .with_user(self.user_salesman)
            ._get_thread_with_access(self.cust_own.id)
        )
        result = Store(thread, as_thread=True, request_list=["followers"]).get_result()
        names = {p.get("name") for p in result.get("res.partner", [])}
        self.assertIn("Olga Own", names)
        self.assertNotIn("Otto Other", names)
        self.env.invalidate_all()
        own.message_get_followers()
        self.env.invalidate_all()
        found = self._as(self.user_salesman, "mail.followers").search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.cust_own.id)]
        )
        self.assertEqual(
            found.partner_id,
            found.partner_id
            & (
                self.contact_own
                | self.user_colleague.partner_id
                | self.user_salesman.partner_id
                | self.cust_own
                | self.env.user.partner_id
            ),
        )

    def test_chatter_messages_load_with_other_authors(self):
        self.cust_own.message_post(body="Note by the admin", subtype_xmlid="mail.mt_note")
        self.cust_own.with_user(self.user_colleague).sudo().message_post(
            body="Hello from Otto", author_id=self.contact_other.id, message_type="comment"
        )
        self.env.invalidate_all()
        Message = self.env["mail.message"].with_user(self.user_salesman)
        res = Message._message_fetch(
            [("res_id", "=", self.cust_own.id), ("model", "=", "res.partner")], limit=30
        )
        data = Store(res["messages"], for_current_user=True).get_result()
        bodies = " ".join(str(m.get("body")) for m in data["mail.message"])
        self.assertIn("Note by the admin", bodies)
        self.assertIn("Hello from Otto", bodies)

    def test_salesperson_follows_and_is_notified_on_hidden_record_of_colleague(self):
        """Being a follower: the colleague's customer notifies Sally without error."""
        self.cust_own.message_subscribe(self.user_salesman.partner_id.ids)
        self.cust_own.with_user(self.user_colleague).sudo().message_post(
            body="For Sally", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.env.invalidate_all()
        notifications = self._as(self.user_salesman, "mail.notification").search(
            [("res_partner_id", "=", self.user_salesman.partner_id.id)]
        )
        self.assertTrue(notifications)

    def test_incoming_email_on_own_customer_lead(self):
        lead = self._create_opportunity(self.contact_own, user_id=self.user_salesman.id)
        lead.message_subscribe(self.user_salesman.partner_id.ids)
        message_id = self.env["mail.thread"].message_process(
            "crm.lead",
            "From: olga@own.example.com\r\nTo: sales@example.com\r\n"
            f"Subject: Re: {lead.name}\r\nMessage-ID: <vis-1@example.com>\r\n"
            "Content-Type: text/plain\r\n\r\nWe would like a quote.\r\n",
            thread_id=lead.id,
        )
        self.assertEqual(message_id, lead.id)
        self.env.invalidate_all()
        lead = self._as(self.user_salesman, lead)
        self.assertIn("quote", lead.message_ids[0].body)
        self.assertEqual(lead.message_ids[0].author_id.name, "Olga Own")

    def test_many2one_search_shows_only_visible_partners(self):
        Partner = self._as(self.user_salesman, "res.partner")
        names = [name for __, name in Partner.name_search("Customer Co", limit=100)]
        self.assertIn("Own Customer Co", names)
        self.assertNotIn("Other Customer Co", names)
        result = Partner.web_search_read(
            [("name", "ilike", "Customer Co")], {"display_name": {}, "email": {}}
        )
        self.assertNotIn("Other Customer Co", [r["display_name"] for r in result["records"]])

    def test_print_own_customer_and_contacts(self):
        view = self.env["ir.ui.view"].create(
            {
                "name": "crm_standard.test_partner_report",
                "type": "qweb",
                "key": "crm_standard.test_partner_report",
                "arch": '<t t-name="crm_standard.test_partner_report">'
                '<t t-foreach="docs" t-as="o"><p t-out="o.name"/>'
                '<p t-foreach="o.child_ids" t-as="c" t-out="c.name"/>'
                '<p t-out="o.user_id.name"/></t></t>',
            }
        )
        report = self.env["ir.actions.report"].create(
            {
                "name": "Partner (test)",
                "model": "res.partner",
                "report_type": "qweb-html",
                "report_name": view.key,
            }
        )
        html, __ = (
            self.env["ir.actions.report"]
            .with_user(self.user_salesman)
            ._render_qweb_html(report.report_name, self.cust_own.ids)
        )
        self.assertIn(b"Own Customer Co", html)
        self.assertIn(b"Olga Own", html)
        self.assertIn(b"Sally Salesman", html)
        self.env.invalidate_all()
        with self.assertRaisesRegex(QWebException, "AccessError"):
            self.env["ir.actions.report"].with_user(self.user_salesman)._render_qweb_html(
                report.report_name, self.cust_other.ids
            )

    def test_merge_wizard_on_own_duplicates(self):
        self.user_salesman.groups_id += self.env.ref("base.group_partner_manager")
        dup = self._create_customer("Own Customer Co", user_id=self.user_salesman.id)
        Wizard = self._as(self.user_salesman, "base.partner.merge.automatic.wizard")
        wizard = Wizard.with_context(active_model="res.partner").create(
            {
                "partner_ids": [Command.set((self.cust_own | dup).ids)],
                "dst_partner_id": self.cust_own.id,
            }
        )
        wizard.action_merge()
        self.assertFalse(dup.exists())
        self.assertTrue(self.cust_own.exists())

    # ------------------------------------------------------------------
    # Creating partners
    # ------------------------------------------------------------------
    def test_created_customer_defaults_to_creator_and_stays_visible(self):
        Partner = self._as(self.user_salesman, "res.partner")
        new = Partner.create(
            {
                "name": "Brand New Co",
                "is_company": True,
                "industry_id": self.industry_it.id,
                "email": "info@brandnew.example.com",
                "is_crm_customer": True,
            }
        )
        self.env.invalidate_all()
        self.assertEqual(new.user_id, self.user_salesman)
        self.assertTrue(new.crm_visibility_restricted)
        self.assertEqual(new.read(["name"])[0]["name"], "Brand New Co")
        contact = Partner.create({"name": "New Contact", "parent_id": new.id})
        self.env.invalidate_all()
        self.assertEqual(contact.crm_owner_user_id, self.user_salesman)
        self.assertEqual(contact.read(["name"])[0]["name"], "New Contact")
        # the web client's save: create + read back in one call
        saved = Partner.web_save(
            {
                "name": "Saved Co",
                "is_company": True,
                "is_crm_customer": True,
                "industry_id": self.industry_it.id,
                "email": "info@saved.example.com",
            },
            {"display_name": {}, "user_id": {"fields": {"display_name": {}}}},
        )
        self.assertEqual(saved[0]["user_id"]["id"], self.user_salesman.id)

    def test_make_customer_gives_an_unowned_partner_to_the_restricted_salesperson(self):
        """As a partner they create: without it, the customer nobody owns
        would vanish from them (no public pool)."""
        self.company.crm_pool_enabled = False
        partner = self._create_customer("Open Unowned Co", user_id=False)
        owned = self._create_customer("Open Owned Co", user_id=self.user_colleague.id)
        self.assertEqual(self._visible(self.user_salesman, partner | owned), partner | owned)
        self._as(self.user_salesman, partner | owned).action_make_customer()
        self.assertTrue(partner.is_crm_customer)
        self.assertEqual(partner.user_id, self.user_salesman)
        self.assertEqual(owned.user_id, self.user_colleague, "a salesperson set stays")
        self.env.invalidate_all()
        self.assertEqual(
            self._as(self.user_salesman, partner).read(["name"])[0]["name"], "Open Unowned Co"
        )
        # a salesperson who sees every document leaves it unowned
        other = self._create_customer("Open Unowned Too Co", user_id=False)
        self._as(self.user_salesman_all, other).action_make_customer()
        self.assertTrue(other.is_crm_customer)
        self.assertFalse(other.user_id)

    def test_all_documents_salesperson_creates_without_default_owner(self):
        new = self._as(self.user_salesman_all, "res.partner").create({"name": "Unowned Co"})
        self.assertFalse(new.user_id)

    def test_create_customer_for_colleague_does_not_fail_in_chatter(self):
        Partner = self._as(self.user_salesman, "res.partner").with_context(
            tracking_disable=False, mail_create_nosubscribe=False
        )
        new = Partner.create(
            {
                "name": "Colleague's New Co",
                "is_company": True,
                "industry_id": self.industry_it.id,
                "email": "info@colleaguenew.example.com",
                "user_id": self.user_colleague.id,
                "is_crm_customer": True,
            }
        )
        self.assertEqual(new.sudo().user_id, self.user_colleague)
        self.assertTrue(new.sudo().customer_code)
        self.assertTrue(new.sudo().message_ids)
        self.env.invalidate_all()
        self.assertFalse(self._visible(self.user_salesman, new))
        self.assertEqual(self._visible(self.user_colleague, new), new)

    def test_partner_created_for_colleague_is_writable_only_in_its_transaction(self):
        """Odoo writes a new partner again inside ``create`` (the form's company
        type is an inverse): the creator may, in that transaction only, and
        may not read it."""
        Partner = self._as(self.user_salesman, "res.partner")
        new = Partner.create(
            {
                "name": "Inverse For Colleague Co",
                "company_type": "company",
                "industry_id": self.industry_it.id,
                "email": "info@inversecolleague.example.com",
                "user_id": self.user_colleague.id,
                "is_crm_customer": True,
            }
        )
        self.assertTrue(new.sudo().is_company)
        self.assertEqual(new.sudo().user_id, self.user_colleague)
        self.assertFalse(self._visible(self.user_salesman, new))
        self.env.invalidate_all()
        self.assertTrue(new.with_user(self.user_salesman).has_access("write"))
        self.assertFalse(new.with_user(self.user_salesman).has_access("read"))
        # in a later transaction it is the colleague's customer like any other
        later = self.env.cr.now() + timedelta(seconds=1)
        with patch.object(type(self.env.cr), "now", lambda cr: later):
            self.env.invalidate_all()
            self.assertFalse(new.with_user(self.user_salesman).has_access("write"))
        # partners created by someone else in this transaction stay closed
        self.env.invalidate_all()
        self.assertFalse(self.cust_other.with_user(self.user_salesman).has_access("write"))

"""Visibility is never granted by a record the salesperson makes (issue 16,
holes 1-4): a lead, an activity, a ticket, a plan, an override or a contact
may point only at partners the user saw before, only the owner or a manager
opens a customer to someone else, and neither ``onchange`` nor the follower
rows read through to a hidden customer.

A = Sally (restricted salesperson), B = Colin (restricted salesperson) who
owns the company CB and its contact CB1. Every test acts as A with an empty
cache, over the path the web client takes.
"""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from .common import CrmStandardCommon

LEAD_FORM = {
    "partner_id": {"fields": {"display_name": {}}},
    "email_from": {},
    "phone": {},
    "street": {},
    "city": {},
    "function": {},
    "user_id": {"fields": {"display_name": {}}},
}


class VisibilityLinksCommon(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a = cls.user_salesman
        cls.user_b = cls._create_colleague()
        cls.user_c = cls._create_colleague(login="crm_colleague_c", name="Cora Colleague")
        cls.cust_a = cls._create_customer("Own Customer Co", user_id=cls.user_a.id)
        cls.contact_a = cls.env["res.partner"].create(
            {"name": "Olga Own", "parent_id": cls.cust_a.id, "email": "olga@own.example.com"}
        )
        cls.cust_b = cls._create_customer(
            "Other Customer Co",
            user_id=cls.user_b.id,
            street="1 Secret Road",
            city="Hidden City",
            vat="91350211M000100Y43",
        )
        cls.contact_b = cls.env["res.partner"].create(
            {
                "name": "Otto Other",
                "parent_id": cls.cust_b.id,
                "email": "otto@other.example.com",
                "phone": "+86 138 0013 8000",
                "function": "Purchasing Director",
            }
        )
        (cls.cust_a | cls.cust_b).action_make_customer()
        cls.cust_b.message_subscribe(cls.user_b.partner_id.ids)
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.partner_model_id = cls.env["ir.model"]._get_id("res.partner")

    def _visible(self, user, partners):
        return self._as(user, "res.partner").search([("id", "in", partners.ids)])

    def _assert_cb_hidden_from(self, user):
        self.env.flush_all()
        self.assertFalse(self._visible(user, self.cust_b | self.contact_b))
        with self.assertRaises(AccessError):
            self._as(user, self.cust_b).write({"user_id": user.id})


class TestPartnerVisibilityLinks(VisibilityLinksCommon):
    # ------------------------------------------------------------------
    # 1. A lead grants its partner
    # ------------------------------------------------------------------
    def test_hole1_lead_on_hidden_contact_is_refused_assigned_or_not(self):
        self._assert_cb_hidden_from(self.user_a)
        Lead = self._as(self.user_a, "crm.lead")
        for user in (self.user_a, self.env["res.users"]):
            vals = {
                "name": "Steal CB",
                "type": "opportunity",
                "partner_id": self.contact_b.id,
                "user_id": user.id,
            }
            with self.assertRaisesRegex(UserError, "Customer: you cannot link"):
                Lead.web_save(vals, LEAD_FORM)
            with self.assertRaisesRegex(UserError, "Customer: you cannot link"):
                Lead.create(vals)
        self._assert_cb_hidden_from(self.user_a)
        self._assert_cb_hidden_from(self.user_c)
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Steal CB")]))

    def test_hole1_moving_own_opportunity_to_hidden_contact_is_refused(self):
        lead = self._create_opportunity(self.contact_a, user_id=self.user_a.id)
        lead = self._as(self.user_a, lead)
        with self.assertRaisesRegex(UserError, "Customer: you cannot link"):
            lead.web_save({"partner_id": self.contact_b.id}, LEAD_FORM)
        with self.assertRaisesRegex(UserError, "Customer: you cannot link"):
            lead.write({"partner_id": self.cust_b.id})
        self.env.invalidate_all()
        self.assertEqual(lead.sudo().partner_id, self.contact_a)
        self.assertEqual(lead.sudo().email_from, "olga@own.example.com", "nothing copied")
        self._assert_cb_hidden_from(self.user_a)

    def test_hole1_own_and_assigned_leads_keep_working(self):
        Lead = self._as(self.user_a, "crm.lead")
        own = Lead.web_save(
            {"name": "Mine", "type": "opportunity", "partner_id": self.contact_a.id}, LEAD_FORM
        )
        self.assertEqual(own[0]["email_from"], "olga@own.example.com")
        # the owner opens their customer to everyone with an unassigned lead
        Lead.create({"name": "Pool of mine", "partner_id": self.cust_a.id, "user_id": False})
        self.env.flush_all()
        self.assertEqual(self._visible(self.user_c, self.cust_a), self.cust_a)
        # a manager assigns B's customer to A: A sees it and takes the lead
        managed = self._create_opportunity(self.contact_b, user_id=False)
        self.assertEqual(self._visible(self.user_a, self.cust_b), self.cust_b)
        self._as(self.user_a, managed).write({"user_id": self.user_a.id})
        self.env.flush_all()
        self.assertEqual(self._visible(self.user_a, self.cust_b), self.cust_b)
        self.assertFalse(self._visible(self.user_c, self.cust_b))

    def test_hole1_only_the_owner_or_a_manager_opens_a_customer_to_others(self):
        """A sees CB through a lead a manager assigned to her: she works on it,
        but may neither hand CB to C nor open it to every salesperson."""
        lead = self._create_opportunity(self.contact_b, user_id=self.user_a.id)
        lead = self._as(self.user_a, lead)
        lead.write({"name": "Still mine", "partner_id": self.cust_b.id})
        self._run_precommit()  # the tracking, while the lead is hers (one request)
        for user in (self.user_c, self.env["res.users"]):
            with self.assertRaisesRegex(UserError, "Salesperson: only the salesperson of"):
                lead.write({"user_id": user.id})
            with self.assertRaisesRegex(UserError, "Salesperson: only the salesperson of"):
                self._as(self.user_a, "crm.lead").create(
                    {"name": "For C", "partner_id": self.cust_b.id, "user_id": user.id}
                )
        self._assert_cb_hidden_from(self.user_c)
        # archived, then restored by A: it opens CB to A again, not to others
        lead.action_archive()
        lead.action_unarchive()
        self.assertEqual(self._visible(self.user_a, self.cust_b), self.cust_b)

    # ------------------------------------------------------------------
    # 2. A self-assigned activity grants its record
    # ------------------------------------------------------------------
    def test_hole2_self_assigned_activity_on_hidden_customer_is_refused(self):
        Activity = self._as(self.user_a, "mail.activity")
        vals = {
            "res_model_id": self.partner_model_id,
            "res_id": self.cust_b.id,
            "activity_type_id": self.todo.id,
            "summary": "Mine now",
            "user_id": self.user_a.id,
        }
        with self.assertRaisesRegex(UserError, "Related Document ID: you cannot link"):
            Activity.create(vals)
        # the chatter's "Schedule Activity" dialog: the document in the context
        with self.assertRaisesRegex(UserError, "Related Document ID: you cannot link"):
            Activity.with_context(
                default_res_model="res.partner", default_res_id=self.cust_b.id
            ).web_save({"activity_type_id": self.todo.id, "summary": "Mine"}, {"summary": {}})
        self._assert_cb_hidden_from(self.user_a)
        # moving an own activity onto the hidden customer
        own = self.cust_a.activity_schedule("mail.mail_activity_data_todo", user_id=self.user_a.id)
        with self.assertRaisesRegex(UserError, "Related Document ID: you cannot link"):
            self._as(self.user_a, own).write({"res_id": self.cust_b.id})
        self._assert_cb_hidden_from(self.user_a)

    def test_hole2_activity_for_a_colleague_only_by_the_owner(self):
        # the owner assigns an activity on their customer to a colleague
        Activity = self._as(self.user_a, "mail.activity")
        Activity.create(
            {
                "res_model_id": self.partner_model_id,
                "res_id": self.cust_a.id,
                "activity_type_id": self.todo.id,
                "user_id": self.user_c.id,
            }
        )
        self.env.flush_all()
        self.assertEqual(self._visible(self.user_c, self.cust_a), self.cust_a)
        # A sees CB by an activity a manager gave her: she cannot pass it on
        activity = self.cust_b.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.user_a.id
        )
        self.assertEqual(self._visible(self.user_a, self.cust_b), self.cust_b)
        with self.assertRaisesRegex(UserError, "Assigned to: only the salesperson of"):
            self._as(self.user_a, activity).write({"user_id": self.user_c.id})
        with self.assertRaisesRegex(UserError, "Assigned to: only the salesperson of"):
            self._as(self.user_a, self.cust_b).activity_schedule(
                "mail.mail_activity_data_todo", user_id=self.user_c.id
            )
        self._assert_cb_hidden_from(self.user_c)
        # she does her activity
        self._as(self.user_a, activity).action_feedback(feedback="Called")
        self._assert_cb_hidden_from(self.user_a)

    # ------------------------------------------------------------------
    # 3. onchange returns hidden partners' data
    # ------------------------------------------------------------------
    def test_hole3_onchange_does_not_read_hidden_partners(self):
        calls = [
            ("crm.lead", {"partner_id": self.contact_b.id}, ["partner_id"], LEAD_FORM),
            (
                "res.partner",
                {"parent_id": self.cust_b.id, "name": "Spy"},
                ["parent_id"],
                {"parent_id": {}, "street": {}, "city": {}, "vat": {}, "user_id": {}},
            ),
            (
                "crm.standard.ticket",
                {"partner_id": self.contact_b.id},
                ["partner_id"],
                {"partner_id": {}, "partner_email": {}, "partner_phone": {}},
            ),
            (
                "crm.standard.followup.plan",
                {"partner_id": self.cust_b.id},
                ["partner_id"],
                {"partner_id": {}, "customer_grade": {}, "user_id": {}, "name": {}},
            ),
            (
                "crm.standard.grade.override",
                {"partner_id": self.cust_b.id},
                ["partner_id"],
                {"partner_id": {}, "salesperson_id": {}, "computed_grade": {}},
            ),
            (
                "mail.activity",
                {"res_model": "res.partner", "res_id": self.cust_b.id},
                ["res_id"],
                {"res_model": {}, "res_id": {}, "res_name": {}},
            ),
        ]
        for model, values, names, spec in calls:
            with self.subTest(model=model):
                Model = self._as(self.user_a, model)
                with self.assertRaisesRegex(UserError, "you cannot link"):
                    Model.onchange(values, names, spec)
                # the form opened with the hidden partner as default
                field = names[0]
                with self.assertRaisesRegex(UserError, "you cannot link"):
                    Model.with_context(**{f"default_{field}": values[field]}).onchange(
                        {k: v for k, v in values.items() if k != field}, [], spec
                    )

    def test_hole3_onchange_of_own_records_still_fills_the_form(self):
        Lead = self._as(self.user_a, "crm.lead")
        result = Lead.onchange({"partner_id": self.contact_a.id}, ["partner_id"], LEAD_FORM)
        self.assertEqual(result["value"]["email_from"], "olga@own.example.com")
        # an own lead whose partner A sees through the lead: other fields change
        lead = self._create_opportunity(self.contact_b, user_id=self.user_a.id)
        result = self._as(self.user_a, lead).onchange(
            {"partner_id": self.contact_b.id, "name": "Renamed"}, ["name"], LEAD_FORM
        )
        self.assertNotIn("error", result)
        Partner = self._as(self.user_a, "res.partner")
        result = Partner.onchange(
            {"parent_id": self.cust_a.id, "name": "New"}, ["parent_id"], {"parent_id": {}}
        )
        self.assertIn("value", result)

    # ------------------------------------------------------------------
    # 4. Follower rows of hidden customers
    # ------------------------------------------------------------------
    def test_hole4_follower_rows_do_not_list_hidden_customers(self):
        self.cust_a.message_subscribe(self.user_b.partner_id.ids)
        Followers = self._as(self.user_a, "mail.followers")
        rows = Followers.search_read(
            [("res_model", "=", "res.partner")], ["res_id", "partner_id"], limit=None
        )
        res_ids = {row["res_id"] for row in rows}
        self.assertNotIn(self.cust_b.id, res_ids)
        self.assertIn(self.cust_a.id, res_ids)
        groups = Followers.read_group(
            [("res_model", "=", "res.partner")], ["res_id:array_agg"], ["partner_id"]
        )
        agg = {res_id for group in groups for res_id in group["res_id"]}
        self.assertNotIn(self.cust_b.id, agg)
        follower = self.env["mail.followers"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.cust_b.id)], limit=1
        )
        with self.assertRaises(AccessError):
            self._as(self.user_a, follower).read(["res_id"])
        # a customer A sees through an assigned activity shows its followers
        self.cust_b.activity_schedule("mail.mail_activity_data_todo", user_id=self.user_a.id)
        self.env.flush_all()
        rows = self._as(self.user_a, "mail.followers").search_read(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.cust_b.id)], ["partner_id"]
        )
        self.assertIn(self.user_b.partner_id.id, [row["partner_id"][0] for row in rows])

    # ------------------------------------------------------------------
    # The same class of hole elsewhere
    # ------------------------------------------------------------------
    def test_ticket_on_hidden_customer_refused_to_a_restricted_agent(self):
        self.user_a.groups_id += self.env.ref("crm_standard.group_crm_standard_service_agent")
        Ticket = self._as(self.user_a, "crm.standard.ticket")
        vals = {"name": "Spy", "partner_id": self.contact_b.id, "user_id": self.user_a.id}
        with self.assertRaisesRegex(UserError, "Contact: you cannot link"):
            Ticket.web_save(vals, {"partner_email": {}, "partner_phone": {}})
        own = Ticket.create(
            {"name": "Help", "partner_id": self.contact_a.id, "user_id": self.user_a.id}
        )
        with self.assertRaisesRegex(UserError, "Contact: you cannot link"):
            own.write({"partner_id": self.contact_b.id})
        self._assert_cb_hidden_from(self.user_a)

    def test_plan_and_override_on_hidden_customer_are_refused(self):
        Plan = self._as(self.user_a, "crm.standard.followup.plan")
        with self.assertRaisesRegex(UserError, "Customer: you cannot link"):
            Plan.web_save(
                {"partner_id": self.cust_b.id, "user_id": self.user_a.id},
                {"customer_grade": {}, "name": {}},
            )
        own = Plan.create({"partner_id": self.cust_a.id})
        with self.assertRaisesRegex(UserError, "Customer: you cannot link"):
            own.write({"partner_id": self.cust_b.id})
        Override = self._as(self.user_a, "crm.standard.grade.override")
        with self.assertRaisesRegex(UserError, "Customer: you cannot link"):
            Override.create({"partner_id": self.cust_b.id, "requested_grade": "C", "reason": "Spy"})

    def test_contact_cannot_move_own_lead_under_a_hidden_company(self):
        """The lead rule trusts the lead's commercial partner: moving A's own
        contact under CB would open CB to A through her lead."""
        self._create_opportunity(self.contact_a, user_id=self.user_a.id)
        contact = self._as(self.user_a, self.contact_a)
        with self.assertRaisesRegex(UserError, "Related Company: you cannot link"):
            contact.write({"parent_id": self.cust_b.id})
        with self.assertRaisesRegex(UserError, "Related Company: you cannot link"):
            self._as(self.user_a, "res.partner").create(
                {"name": "Spy", "parent_id": self.cust_b.id}
            )
        self._assert_cb_hidden_from(self.user_a)

    def test_customer_seen_through_an_activity_cannot_be_taken_over(self):
        self.cust_b.activity_schedule("mail.mail_activity_data_todo", user_id=self.user_a.id)
        cust_b = self._as(self.user_a, self.cust_b)
        cust_b.write({"comment": "Called them"})
        with self.assertRaisesRegex(UserError, "Salesperson: only"):
            cust_b.write({"user_id": self.user_a.id})
        self.assertEqual(self.cust_b.user_id, self.user_b)

    def test_managers_and_the_system_link_freely(self):
        for user in (self.user_sales_manager, self.user_salesman_all):
            Lead = self._as(user, "crm.lead")
            Lead.create({"name": "Assigned", "partner_id": self.contact_b.id, "user_id": False})
            self._as(user, "mail.activity").create(
                {
                    "res_model_id": self.partner_model_id,
                    "res_id": self.cust_b.id,
                    "activity_type_id": self.todo.id,
                    "user_id": self.user_c.id,
                }
            )
        self.env.flush_all()
        self.assertEqual(self._visible(self.user_c, self.cust_b), self.cust_b)

    def test_checks_cost_the_same_queries_for_one_lead_or_a_batch(self):
        """No per-record SQL: the links of a batch are checked in one search."""
        contacts = self.env["res.partner"].create(
            [{"name": f"Contact {i}", "parent_id": self.cust_a.id} for i in range(30)]
        )
        self.env.flush_all()

        def queries(partners):
            Lead = self._as(self.user_a, "crm.lead")
            Lead.env["res.partner"]._crm_user_is_restricted()  # warm the group caches
            count = self.env.cr.sql_log_count
            vals_list = [{"name": p.name, "partner_id": p.id} for p in partners]
            Lead._crm_check_partner_links(vals_list)
            return self.env.cr.sql_log_count - count

        queries(contacts[:1])  # warm the defaults' and the rule's caches
        one, batch = queries(contacts[:1]), queries(contacts)
        self.assertEqual(one, batch)
        # the partners' existence, their fields, the search, the commercial entities
        self.assertLessEqual(batch, 4)

    def test_a_salesperson_with_a_second_role_is_checked_too(self):
        agent = new_test_user(
            self.env,
            login="crm_sales_agent",
            name="Sid Sales-Agent",
            groups="sales_team.group_sale_salesman,crm_standard.group_crm_standard_service_agent",
        )
        with self.assertRaisesRegex(UserError, "Customer: you cannot link"):
            self._as(agent, "crm.lead").create(
                {"name": "x", "partner_id": self.cust_b.id, "user_id": agent.id}
            )
        lead = self._as(self.user_a, "crm.lead").create(
            {
                "name": "Lines",
                "partner_id": self.cust_a.id,
                "interest_ids": [Command.clear()],
            }
        )
        self.assertEqual(lead.user_id, self.user_a)


class TestPartnerVisibilityLinksAttacks(VisibilityLinksCommon):
    """Other paths to the same links, tried as A against the fix."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own_lead = cls._create_opportunity(cls.contact_a, user_id=cls.user_a.id)

    def test_convert_wizard_to_a_hidden_partner_is_refused(self):
        lead = self._create_opportunity(self.contact_a, user_id=self.user_a.id, type="lead")
        self.env.user.groups_id += self.env.ref("crm.group_use_lead")
        Wizard = self._as(self.user_a, "crm.lead2opportunity.partner").with_context(
            active_model="crm.lead", active_id=lead.id, active_ids=lead.ids
        )
        wizard = Wizard.create(
            {"name": "convert", "action": "exist", "partner_id": self.contact_b.id}
        )
        with self.assertRaisesRegex(AccessError, "you cannot link"):
            wizard.action_apply()
        self._assert_cb_hidden_from(self.user_a)

    def test_import_copy_and_activity_schedule_wizard_are_refused(self):
        Lead = self._as(self.user_a, "crm.lead")
        result = Lead.load(["name", "partner_id/.id"], [["Imported", str(self.contact_b.id)]])
        self.assertFalse(result["ids"])
        self.assertIn("you cannot link", str(result["messages"]))
        with self.assertRaisesRegex(AccessError, "you cannot link"):
            self._as(self.user_a, self.own_lead).copy({"partner_id": self.contact_b.id})
        Schedule = self._as(self.user_a, "mail.activity.schedule").with_context(
            active_model="res.partner", active_ids=self.cust_b.ids
        )
        with self.assertRaises(AccessError):
            wizard = Schedule.create(
                {"activity_type_id": self.todo.id, "activity_user_id": self.user_a.id}
            )
            wizard.action_schedule_activities()
        self._assert_cb_hidden_from(self.user_a)

    def test_activity_of_a_lead_moved_onto_a_hidden_partner_is_refused(self):
        activity = self.own_lead.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.user_a.id
        )
        with self.assertRaisesRegex(AccessError, "you cannot link"):
            self._as(self.user_a, activity).write(
                {"res_model_id": self.partner_model_id, "res_id": self.cust_b.id}
            )
        self._assert_cb_hidden_from(self.user_a)

    def test_hidden_customer_stays_closed_to_other_paths(self):
        A = self.user_a
        A.groups_id += self.env.ref("base.group_allow_export")
        Partner = self._as(A, "res.partner")
        self.assertFalse([n for __, n in Partner.name_search("Other Customer")])
        groups = Partner.read_group([], ["id:count"], ["user_id"])
        self.assertNotIn(self.user_b.id, [g["user_id"] and g["user_id"][0] for g in groups])
        with self.assertRaises(AccessError):
            self._as(A, self.cust_b).export_data(["name", "email"])
        with self.assertRaises(AccessError):
            self._as(A, self.cust_b).message_post(body="hi", message_type="comment")
        self.assertFalse(self._as(A, self.cust_b).message_subscribe(A.partner_id.ids))
        self.assertNotIn(A.partner_id, self.cust_b.message_partner_ids)
        message = self.cust_b.message_post(body="secret", message_type="comment")
        self.assertFalse(self._as(A, "mail.message").search([("id", "=", message.id)]))
        attachment = self.env["ir.attachment"].create(
            {
                "name": "s.txt",
                "raw": b"secret",
                "res_model": "res.partner",
                "res_id": self.cust_b.id,
            }
        )
        with self.assertRaises(AccessError):
            self._as(A, attachment).read(["datas"])
        Followers = self._as(A, "mail.followers")
        self.assertFalse(
            Followers.search_count(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.cust_b.id)]
            )
        )
        # the lead's related fields of a hidden customer through a lead A cannot make
        self.assertFalse(self._as(A, "crm.lead").search([("partner_id", "=", self.contact_b.id)]))

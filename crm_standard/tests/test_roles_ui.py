"""What each role sees (issue 18): one grade badge in one colour per grade,
the health band next to it, whole list headers, the same lifecycle colours in
list and kanban, and the draft plans nobody carries reaching the sales
managers. Checked through the views the web client loads (get_views,
web_read) and the scheduled action."""

from lxml import etree

from odoo import Command
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import TwoConnectionsCase
from .test_followup_plans import FollowupCommon
from .test_tickets import CrmStandardTicketCommon

GRADE_COLOURS = {"S": "success", "A": "info", "B": "warning", "C": "muted"}
HEALTH_COLOURS = {"healthy": "success", "watch": "warning", "at_risk": "danger"}


def _decorations(node):
    return {
        key.removeprefix("decoration-"): value
        for key, value in node.attrib.items()
        if key.startswith("decoration-")
    }


@tagged("post_install", "-at_install")
class TestWhatEachRoleSees(CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"is_crm_customer": True})
        cls.customer.sudo()._crm_set_manual_grade("S", "Strategic account")
        cls.customer.sudo().write({"crm_health_band": "at_risk"})

    def _arch(self, model, view_type, view_xmlid=None, user=None):
        Model = self.env[model].with_user(user) if user else self.env[model]
        view_id = self.env.ref(view_xmlid).id if view_xmlid else None
        return etree.fromstring(Model.get_view(view_id, view_type)["arch"])

    def _screens(self):
        """(model, view type, view xml id) of the screens people decide priority on."""
        return [
            ("res.partner", "list", "crm_standard.res_partner_view_list_crm_pool"),
            ("res.partner", "list", None),
            ("res.partner", "kanban", None),
            ("res.partner", "form", None),
            ("crm.lead", "kanban", "crm.crm_case_kanban_view_leads"),
            ("crm.lead", "list", "crm.crm_case_tree_view_oppor"),
            ("crm.lead", "form", "crm.crm_lead_view_form"),
            ("crm.standard.ticket", "list", None),
            ("crm.standard.ticket", "kanban", None),
            ("crm.standard.ticket", "form", None),
            ("crm.standard.followup.plan", "list", None),
            ("crm.standard.followup.plan", "kanban", None),
            ("crm.standard.grade.history", "list", None),
            ("crm.standard.grade.override", "list", None),
        ]

    def test_grade_badge_has_one_colour_per_grade_on_every_screen(self):
        grade_fields = {
            "customer_grade",
            "crm_customer_grade",
            "grade",
            "old_grade",
            "new_grade",
            "current_grade",
            "requested_grade",
        }
        expected = {colour: f"{{field}} == '{grade}'" for grade, colour in GRADE_COLOURS.items()}
        for model, view_type, xmlid in self._screens():
            arch = self._arch(model, view_type, xmlid, user=self.user_sales_manager)
            badges = [
                node
                for node in arch.iter("field")
                if node.get("name") in grade_fields
                and node.get("widget") == "badge"
                and node.getparent().tag != "kanban"
            ]
            self.assertTrue(badges, f"{model} {view_type}: a grade badge")
            for node in badges:
                name = node.get("name")
                self.assertEqual(
                    _decorations(node),
                    {colour: rule.format(field=name) for colour, rule in expected.items()},
                    f"{model} {view_type} {name}",
                )

    def test_customer_views_show_the_grade_once_not_as_a_tag(self):
        tag_s = self.env.ref("crm_standard.partner_tag_grade_s")
        complaint = self.env.ref("crm_standard.partner_tag_complaint")
        self.assertIn(tag_s, self.customer.category_id, "the grade tag stays on the customer")
        for view_type in ("form", "list", "kanban"):
            arch = self._arch("res.partner", view_type, user=self.user_salesman)
            # the customer's own tags, not those of the contacts' sub-form
            [tags] = arch.xpath("//field[@name='category_id'][not(ancestor::field)]")
            self.assertEqual(tags.get("widget"), "crm_partner_tags", view_type)
        # the widget hides the tags the server flags, and only those
        read = self._as(self.user_salesman, self.customer).web_read(
            {"category_id": {"fields": {"display_name": {}, "crm_is_grade_tag": {}}}}
        )[0]["category_id"]
        flags = {tag["id"]: tag["crm_is_grade_tag"] for tag in read}
        self.assertIs(flags[tag_s.id], True)
        self.assertFalse(complaint.crm_is_grade_tag)
        grade_tags = self.env["res.partner.category"].search([]).filtered("crm_is_grade_tag")
        self.assertEqual(
            sorted(grade_tags.mapped("name")), ["Grade A", "Grade B", "Grade C", "Grade S"]
        )

    def _assert_next_to_grade(self, arch, grade, health, where):
        [node] = arch.xpath(f"//field[@name='{health}'][@widget='badge']")
        self.assertEqual(node.getprevious().get("name"), grade, where)
        self.assertEqual(
            _decorations(node),
            {colour: f"{health} == '{band}'" for band, colour in HEALTH_COLOURS.items()},
            where,
        )

    def test_health_band_next_to_the_grade_where_people_work(self):
        for view_type, xmlid in (
            ("kanban", "crm.crm_case_kanban_view_leads"),
            ("list", "crm.crm_case_tree_view_oppor"),
            ("form", "crm.crm_lead_view_form"),
        ):
            arch = self._arch("crm.lead", view_type, xmlid, user=self.user_salesman)
            self._assert_next_to_grade(
                arch, "crm_customer_grade", "crm_customer_health_band", f"lead {view_type}"
            )
        for view_type in ("list", "kanban", "form"):
            arch = self._arch("crm.standard.ticket", view_type, user=self.user_service_agent)
            self._assert_next_to_grade(
                arch, "crm_customer_grade", "crm_health_band", f"ticket {view_type}"
            )
        arch = self._arch("res.partner", "list", user=self.user_salesman)
        self._assert_next_to_grade(arch, "customer_grade", "crm_health_band", "customer list")
        arch = self._arch("res.partner", "kanban", user=self.user_salesman)
        self._assert_next_to_grade(arch, "customer_grade", "crm_health_band", "customer card")
        # the values, read as each role
        lead = self._create_opportunity(self.customer, user_id=self.user_salesman.id)
        read = self._as(self.user_salesman, lead).web_read(
            {"crm_customer_grade": {}, "crm_customer_health_band": {}}
        )[0]
        self.assertEqual(
            (read["crm_customer_grade"], read["crm_customer_health_band"]), ("S", "at_risk")
        )
        ticket = self._ticket(user_id=self.user_service_agent.id)
        read = self._as(self.user_service_agent, ticket).web_read(
            {"crm_customer_grade": {}, "crm_health_band": {}}
        )[0]
        self.assertEqual((read["crm_customer_grade"], read["crm_health_band"]), ("S", "at_risk"))

    def test_list_headers_are_short_enough_to_show_whole(self):
        """At 1280 px a list column is squeezed to its minimum: a label of at
        most 12 characters or a fixed width, and a fixed width on the columns
        Odoo makes narrow (dates: 80 px, integers: 71 px) whose label is
        longer than 8."""
        lists = [
            ("res.partner", None),
            ("res.partner", "crm_standard.res_partner_view_list_crm_pool"),
            ("crm.standard.ticket", None),
            ("crm.standard.followup.plan", None),
        ]
        for model, xmlid in lists:
            Model = self.env[model].with_user(self.user_sales_manager)
            arch = self._arch(model, "list", xmlid, user=self.user_sales_manager)
            for node in arch.xpath("/list/field"):
                if node.get("column_invisible") in ("1", "True") or node.get("optional") == "hide":
                    continue
                if node.get("nolabel"):
                    continue
                field = Model._fields[node.get("name")]
                label = node.get("string") or field._description_string(self.env)
                where = f"{model} {field.name}: {label!r}"
                self.assertTrue(len(label) <= 12 or node.get("width"), where)
                if field.type in ("date", "integer") and len(label) > 8:
                    self.assertTrue(node.get("width"), where)

    def test_lifecycle_colours_are_the_same_in_list_and_kanban(self):
        list_arch = self._arch("res.partner", "list", user=self.user_salesman)
        kanban_arch = self._arch("res.partner", "kanban", user=self.user_salesman)
        [in_list] = list_arch.xpath("//field[@name='lifecycle_stage']")
        [in_kanban] = kanban_arch.xpath("//field[@name='lifecycle_stage']")
        self.assertEqual(in_list.get("widget"), "badge")
        self.assertEqual(in_kanban.get("widget"), "badge")
        self.assertTrue(_decorations(in_list))
        self.assertEqual(_decorations(in_list), _decorations(in_kanban))


@tagged("post_install", "-at_install")
class TestDraftPlansWithoutSalesperson(FollowupCommon):
    NOTICE = "Draft follow-up plans without salesperson"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.crm_pool_enabled = True
        cls.pool_customers = cls.env["res.partner"].union(
            *(
                cls._create_customer(f"Nobody {i} Co", user_id=False, is_crm_customer=True)
                for i in range(3)
            )
        )
        cls.plans = cls.Plan.create(
            [
                {"partner_id": customer.id, "step_ids": [Command.create({"name": "Call"})]}
                for customer in cls.pool_customers
            ]
        )
        cls.owned = cls.Plan.create(
            {
                "partner_id": cls._customer("Owned Co").id,
                "step_ids": [Command.create({"name": "Call"})],
            }
        )

    def _notices(self):
        return self.env["mail.message"].search(
            [
                ("message_type", "=", "user_notification"),
                ("subject", "like", self.NOTICE),
                ("partner_ids", "in", self.user_sales_manager.partner_id.ids),
            ]
        )

    def test_sales_managers_hear_of_each_plan_once_in_one_message(self):
        self.assertFalse(self.plans.user_id)
        Plan = self.env["crm.standard.followup.plan"]
        with self.assertQueryCount(__system__=60):
            Plan._cron_crm_notify_unassigned()
        [notice] = self._notices()
        for plan in self.plans:
            self.assertIn(plan.partner_id.name, notice.body)
        self.assertNotIn("Owned Co", notice.body)
        self.assertTrue(all(self.plans.mapped("crm_unassigned_notified")))
        self.assertFalse(self.owned.crm_unassigned_notified)
        # idempotent: a second run tells nobody again
        self.assertEqual(Plan._cron_crm_notify_unassigned(), 0)
        self.assertEqual(len(self._notices()), 1)

    def test_a_company_without_sales_manager_keeps_its_plans_for_later(self):
        other = self.env["res.company"].create({"name": "No Manager Ltd"})
        customer = self._create_customer(
            "Far Away Co", user_id=False, is_crm_customer=True, company_id=other.id
        )
        plan = self.Plan.with_company(other).create(
            {"partner_id": customer.id, "step_ids": [Command.create({"name": "Call"})]}
        )
        self.assertEqual(plan.company_id, other)
        self.env["crm.standard.followup.plan"]._cron_crm_notify_unassigned()
        self.assertFalse(plan.crm_unassigned_notified)
        self.assertTrue(all(self.plans.mapped("crm_unassigned_notified")))
        # a manager arrives: the next run tells them
        self.user_sales_manager.company_ids |= other
        self.env["crm.standard.followup.plan"]._cron_crm_notify_unassigned()
        self.assertTrue(plan.crm_unassigned_notified)

    def test_without_salesperson_filter_and_the_flag_is_the_system_s(self):
        arch = etree.fromstring(
            self.env["crm.standard.followup.plan"].get_view(view_type="search")["arch"]
        )
        [node] = arch.xpath("//filter[@name='without_salesperson']")
        domain = safe_eval(node.get("domain"))
        found = self._as(self.user_sales_manager, "crm.standard.followup.plan").search(domain)
        self.assertEqual(found & (self.plans | self.owned), self.plans)
        with self.assertRaisesRegex(Exception, "Managers Notified"):
            self._as(self.user_sales_manager, self.plans[0]).write(
                {"crm_unassigned_notified": True}
            )


@tagged("post_install", "-at_install")
class TestUnassignedNoticeTwoWorkers(TwoConnectionsCase):
    def setUp(self):
        super().setUp()
        with self._committed_env({"tracking_disable": True}) as env:
            partners = env["res.partner"].create(
                [
                    {"name": f"Two Workers Pool {i}", "is_company": True, "is_crm_customer": True}
                    for i in range(2)
                ]
            )
            plans = env["crm.standard.followup.plan"].create(
                [
                    {"partner_id": p.id, "step_ids": [Command.create({"name": "Call"})]}
                    for p in partners
                ]
            )
            self.partner_ids, self.plan_ids = partners.ids, plans.ids
            self.company_id = plans.company_id.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._committed_env() as env:
            env["mail.message"].search(
                [
                    ("subject", "like", "Two Workers Pool"),
                    ("message_type", "=", "user_notification"),
                ]
            ).unlink()
            env["mail.message"].search(
                [("body", "like", "Two Workers Pool"), ("message_type", "=", "user_notification")]
            ).unlink()
            env["crm.standard.followup.plan"].browse(self.plan_ids).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

    def _notify(self, env):
        plans = env["crm.standard.followup.plan"].browse(self.plan_ids)
        return plans._crm_notify_unassigned(env["res.company"].browse(self.company_id))

    def test_two_workers_tell_the_managers_once(self):
        with self._two_workers(lock_timeout="2s") as (env1, env2):
            env2.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # worker 2's snapshot
            self.assertEqual(self._notify(env1), 2)
            # worker 1 holds the plans: worker 2 skips them without waiting
            self.assertEqual(self._notify(env2), 0)
            env1.cr.commit()
            # worker 2's snapshot is older than worker 1's flags: it leaves them
            self.assertEqual(self._notify(env2), 0)
            env2.cr.commit()
        with self._committed_env() as env:
            notices = env["mail.message"].search(
                [("body", "like", "Two Workers Pool"), ("message_type", "=", "user_notification")]
            )
            self.assertEqual(len(notices), 1)

"""Each role's day in the web client (issue 18): the filters, reports, cards
and shortcuts people use every day, checked through the web client's paths
(search-view defaults, web_search_read, web_read_group, button actions)."""

from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tests import tagged
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from .common import CrmStandardCommon
from .test_followup_plans import FollowupCommon
from .test_tickets import FRIDAY_3PM, CrmStandardTicketCommon


class SearchViewMixin:
    """The domain the web client builds from an action's search defaults."""

    def _default_filters_domain(self, action_xmlid, user):
        """Like the web client: the filters of a group (between separators)
        are ORed, the groups ANDed, then the action's own domain."""
        action = self.env.ref(action_xmlid)
        Model = self.env[action.res_model].with_user(user)
        eval_ctx = {
            "uid": user.id,
            "context_today": lambda: fields.Date.context_today(Model),
            "datetime": safe_datetime,
        }
        context = safe_eval(action.context or "{}", eval_ctx)
        defaults = {
            key.removeprefix("search_default_")
            for key, value in context.items()
            if key.startswith("search_default_") and value
        }
        view_id = action.search_view_id.id or False
        arch = etree.fromstring(Model.get_view(view_id, "search")["arch"])
        groups, current = [], []
        for node in arch:
            if node.tag in ("separator", "group"):
                groups.append(current)
                current = []
            elif node.tag == "filter" and node.get("name") in defaults and node.get("domain"):
                current.append(safe_eval(node.get("domain"), eval_ctx))
        groups.append(current)
        domain = safe_eval(action.domain or "[]", eval_ctx)
        for group in filter(None, groups):
            domain = expression.AND([domain, expression.OR(group)])
        return domain, defaults


@tagged("post_install", "-at_install")
class TestMyFollowupsToday(SearchViewMixin, FollowupCommon):
    def test_my_followups_today_shows_my_due_steps_only(self):
        """My Follow-ups Today: the steps that are mine AND due (today or
        late), not mine OR due: a colleague's late step and my future step
        stay out."""
        mine = self._customer("Today Mine Co", user=self.user_sales_manager)
        colleague = self._customer("Today Colleague Co", user=self.user_salesman)
        yesterday = self.today - timedelta(days=1)
        next_week = self.today + timedelta(days=7)
        steps = [
            {"name": "Due today", "next_due_date": self.today},
            {"name": "Late", "next_due_date": yesterday},
            {"name": "Next week", "next_due_date": next_week},
        ]
        self._plan(mine, steps=steps, user=self.user_sales_manager)
        self._plan(colleague, steps=[{"name": "Colleague late", "next_due_date": yesterday}])
        domain, defaults = self._default_filters_domain(
            "crm_standard.crm_standard_followup_plan_step_action_today", self.user_sales_manager
        )
        self.assertEqual(defaults, {"mine", "due_today"})
        Step = self._as(self.user_sales_manager, "crm.standard.followup.plan.step")
        result = Step.web_search_read(
            domain + [("partner_id", "in", (mine | colleague).ids)], {"name": {}}
        )
        self.assertEqual(sorted(r["name"] for r in result["records"]), ["Due today", "Late"])


@tagged("post_install", "-at_install")
class TestTicketAnalysisAndSla(CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sla = cls._team_sla()
        cls.category = cls.env["crm.standard.ticket.category"].create({"name": "Averages"})

    def _rate(self, ticket, value):
        """Solved, the customer gets the form and answers ``value``."""
        ticket.stage_id = self.ticket_stage_solved
        rating = self.env["rating.rating"].search(
            [("res_model", "=", ticket._name), ("res_id", "=", ticket.id)]
        )
        ticket.rating_apply(value, token=rating.access_token)

    def test_ticket_analysis_averages_answered_and_rated_tickets_only(self):
        """Average first response and rating: an unanswered, unrated ticket
        counts in neither (NULL, not 0 h and not rating 0)."""
        answered, __ = self._tickets(2, date_received=FRIDAY_3PM, category_id=self.category.id)
        answered.first_response_date = FRIDAY_3PM + timedelta(hours=2)
        self._rate(answered, 4)
        self.env.flush_all()
        self.assertEqual(answered.rating_last_value, 4)
        Ticket = self._as(self.user_service_manager, "crm.standard.ticket")
        domain = [("category_id", "=", self.category.id)]
        groups = Ticket.web_read_group(
            domain, ["first_response_hours:avg", "rating_last_value:avg"], ["category_id"]
        )["groups"]
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["category_id_count"], 2)
        self.assertEqual(groups[0]["first_response_hours"], 2.0)
        self.assertEqual(groups[0]["rating_last_value"], 4.0)
        # the pivot (read_group) gives the same
        [row] = Ticket.read_group(
            domain, ["first_response_hours:avg", "rating_last_value:avg"], ["category_id"]
        )
        self.assertEqual((row["first_response_hours"], row["rating_last_value"]), (2.0, 4.0))

    def test_sla_summary_names_the_missed_response_not_the_later_resolution(self):
        """Breached by a missed response while the resolution is days away:
        the card says which deadline, not "in 3 days" beside "Breached"."""
        ticket = self._ticket(date_received=FRIDAY_3PM)
        with freeze_time(FRIDAY_3PM + timedelta(hours=6)):
            ticket._crm_refresh_sla_status()
            ticket.invalidate_recordset(["sla_summary", "sla_deadline"])
            self.assertEqual(ticket.sla_status, "breached")
            self.assertEqual(ticket.sla_deadline, ticket.response_deadline)
            self.assertEqual(ticket.sla_summary, "Response overdue 2 h")
            read = self._as(self.user_service_manager, ticket).web_read(
                {"sla_summary": {}, "sla_status": {}}
            )[0]
            self.assertEqual(read["sla_summary"], "Response overdue 2 h")
        with freeze_time(FRIDAY_3PM + timedelta(hours=1)):
            ticket.invalidate_recordset(["sla_summary", "sla_deadline"])
            self.assertEqual(ticket.sla_summary, "Response due in 3 h")
        with freeze_time(FRIDAY_3PM + timedelta(days=5)):
            ticket.first_response_date = FRIDAY_3PM + timedelta(hours=1)
            ticket.invalidate_recordset(["sla_summary", "sla_deadline"])
            # answered in time: the overdue resolution is what the status is about
            self.assertEqual(ticket.sla_summary, "Resolution overdue 4 d")
            self.assertEqual(ticket.sla_deadline, ticket.resolution_deadline)

    def test_sla_summary_in_chinese(self):
        ticket = self._ticket(date_received=FRIDAY_3PM)
        self.env["res.lang"]._activate_lang("zh_CN")
        with freeze_time(FRIDAY_3PM + timedelta(hours=6)):
            ticket._crm_refresh_sla_status()
            summary = ticket.with_context(lang="zh_CN").sla_summary
        self.assertTrue(summary)


@tagged("post_install", "-at_install")
class TestPoolInTheWebClient(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pool_customer = cls._create_customer("Web Pool Co", user_id=False)
        cls.pool_customer.action_make_customer()

    def _domain(self, action):
        domain = action["domain"]
        return safe_eval(domain) if isinstance(domain, str) else domain

    def test_demo_ships_with_the_public_pool_on(self):
        if not self.env.ref("crm_standard.partner_demo_huaxin", raise_if_not_found=False):
            self.skipTest("no demo data")
        # the database as installed (CrmStandardCommon turns it off for the tests)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT crm_pool_enabled FROM res_company WHERE id = %s",
                [self.env.ref("base.main_company").id],
            )
            self.assertEqual(cr.fetchall(), [(True,)])

    def test_pool_menu_says_the_pool_is_off(self):
        """Pool off: the menu shows no customer (no Claim that then refuses) and says why."""
        self.company.crm_pool_enabled = False
        menu = self.env.ref("crm_standard.crm_standard_menu_pool")
        action = menu.action.with_user(self.user_sales_manager).run()
        self.assertIn("The public pool is off", str(action["help"]))
        result = (
            self.env["res.partner"]
            .with_user(self.user_sales_manager)
            .web_search_read(self._domain(action), {"name": {}})
        )
        self.assertEqual(result["length"], 0)
        self.company.crm_pool_enabled = True
        self.env.invalidate_all()
        action = menu.action.with_user(self.user_salesman).run()
        result = (
            self.env["res.partner"]
            .with_user(self.user_salesman)
            .web_search_read(self._domain(action), {"name": {}})
        )
        self.assertIn("Web Pool Co", [r["name"] for r in result["records"]])

    def test_claim_from_a_row_says_so_and_goes_to_my_customers(self):
        self.company.crm_pool_enabled = True
        other = self._create_customer("Web Pool Two Co", user_id=False)
        other.action_make_customer()
        pool = self._as(self.user_salesman, self.pool_customer | other)
        action = pool.action_crm_pool_claim_open()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Web Pool Co", action["params"]["message"])
        self.assertIn("Web Pool Two Co", action["params"]["message"])
        following = action["params"]["next"]
        self.assertEqual(following["res_model"], "res.partner")
        self.assertEqual(following["context"]["search_default_crm_my_customers"], 1)
        self.assertEqual((self.pool_customer | other).user_id, self.user_salesman)
        # the row button and the selection button are in the pool list
        arch = self.env["res.partner"].get_view(
            self.env.ref("crm_standard.res_partner_view_list_crm_pool").id, "list"
        )["arch"]
        self.assertEqual(arch.count('name="action_crm_pool_claim_open"'), 2)

    def test_customers_menu_lands_on_my_customers(self):
        action = self.env.ref("crm_standard.crm_standard_customer_action")
        self.assertIn("search_default_crm_my_customers", action.context)
        self.assertFalse(self.env.ref("crm.res_partner_menu_customer").active)


@tagged("post_install", "-at_install")
class TestApprovalsFromTheList(FollowupCommon):
    def _change_request(self, customer, name):
        self._as(self.user_salesman, customer).write({"name": name})
        return self.env["crm.standard.change.request"].search(
            [("partner_id", "=", customer.id), ("state", "=", "pending")]
        )

    def test_change_requests_approved_and_rejected_in_bulk_with_activities(self):
        self.env["crm.team"].search([("user_id", "!=", False)]).user_id = False
        customers = [self._customer(f"Bulk Change {i} Co") for i in range(4)]
        for customer in customers:
            customer.action_make_customer()
        requests = self.env["crm.standard.change.request"]
        for index, customer in enumerate(customers):
            requests |= self._change_request(customer, f"Bulk Renamed {index} Co")
        self.assertEqual(len(requests), 4)
        # no team leader: every sales manager gets a to-do per request
        todo = requests.activity_ids.filtered(lambda a: a.user_id == self.user_sales_manager)
        self.assertEqual(len(todo), 4)
        # the menu counts them
        menus = self.env["ir.ui.menu"].with_user(self.user_sales_manager).load_menus(False)
        [entry] = [
            m
            for m in menus.values()
            if m.get("xmlid") == "crm_standard.crm_standard_menu_change_request_to_approve"
        ]
        self.assertRegex(entry["name"], r"\(\d+\)$")
        # approve two from the list (the header button on the selection)
        self._as(self.user_sales_manager, requests[:2]).action_approve()
        self.assertEqual(customers[0].name, "Bulk Renamed 0 Co")
        # reject two with one reason (wizard)
        Wizard = self._as(self.user_sales_manager, "crm.standard.reject.wizard").with_context(
            active_model="crm.standard.change.request", active_ids=requests[2:].ids
        )
        wizard = Wizard.create({"comment": "Keep the registered names"})
        self.assertEqual(wizard.record_count, 2)
        wizard.action_reject()
        self.assertEqual(requests.mapped("state"), ["approved"] * 2 + ["rejected"] * 2)
        self.assertEqual(set(requests[2:].mapped("comment")), {"Keep the registered names"})
        self.assertFalse(requests.activity_ids, "decided: the to-dos are gone")

    def test_plan_review_reaches_the_sales_managers_without_team_leader(self):
        self.env["crm.team"].search([("user_id", "!=", False)]).user_id = False
        customer = self._customer("No Leader Co")
        plan = self._plan(customer, approve=False)
        plan.with_user(self.user_salesman).action_submit()
        self.assertIn(self.user_sales_manager, plan.activity_ids.user_id)
        # rejected from the list (wizard), one reason
        self._as(self.user_sales_manager, "crm.standard.reject.wizard").with_context(
            active_model="crm.standard.followup.plan", active_ids=plan.ids
        ).create({"comment": "Visit them instead"}).action_reject()
        self.assertEqual(plan.state, "rejected")
        self.assertEqual(plan.review_comment, "Visit them instead")
        self.assertFalse(plan.activity_ids)

    def test_draft_plan_of_a_pool_customer_follows_who_claims_it(self):
        self.company.crm_pool_enabled = True
        customer = self._create_customer("Plan Pool Co", user_id=False, is_crm_customer=True)
        plan = self.Plan.create(
            {"partner_id": customer.id, "step_ids": [Command.create({"name": "Call"})]}
        )
        self.assertFalse(plan.user_id)
        with self.assertRaisesRegex(UserError, "Salesperson"):
            plan.action_submit()
        self._as(self.user_salesman, customer).action_crm_pool_claim()
        self.assertEqual(plan.user_id, self.user_salesman)
        self.assertEqual(plan.step_ids.user_id, self.user_salesman)


@tagged("post_install", "-at_install")
class TestFactsWherePeopleWork(CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"is_crm_customer": True})
        cls.customer.sudo()._crm_set_manual_grade("S", "Strategic account")

    def test_grade_on_pipeline_cards_and_tickets(self):
        lead = self._create_opportunity(self.customer, user_id=self.user_salesman.id)
        Lead = self._as(self.user_salesman, "crm.lead")
        self.assertEqual(
            Lead.browse(lead.id).web_read({"crm_customer_grade": {}})[0]["crm_customer_grade"], "S"
        )
        kanban = Lead.get_view(self.env.ref("crm.crm_case_kanban_view_leads").id, "kanban")["arch"]
        self.assertIn('name="crm_customer_grade"', kanban)
        ticket = self._ticket(user_id=self.user_service_agent.id)
        read = self._as(self.user_service_agent, ticket).web_read({"crm_customer_grade": {}})[0]
        self.assertEqual(read["crm_customer_grade"], "S")
        for view_type in ("list", "kanban", "form"):
            arch = self.env["crm.standard.ticket"].get_view(view_type=view_type)["arch"]
            self.assertIn('name="crm_customer_grade"', arch, view_type)

    def test_customer_card_shows_next_followup_and_open_tickets(self):
        today = fields.Date.context_today(self.customer)
        plan = self.env["crm.standard.followup.plan"].create(
            {
                "partner_id": self.customer.id,
                "step_ids": [Command.create({"name": "Call", "next_due_date": today})],
            }
        )
        plan.action_submit()
        plan.action_approve()
        self._ticket()
        self._ticket().stage_id = self.ticket_stage_solved
        Partner = self._as(self.user_salesman, "res.partner")
        result = Partner.web_search_read(
            [("id", "=", self.customer.id)],
            {"crm_next_followup_date": {}, "crm_open_ticket_count": {}},
        )["records"][0]
        self.assertEqual(result["crm_next_followup_date"], today)
        self.assertEqual(result["crm_open_ticket_count"], 1)

    def test_agent_reads_the_sales_background_of_their_ticket_customer_only(self):
        lead = self._create_opportunity(
            self.customer, name="Background Deal", user_id=self.user_salesman.id
        )
        self.customer.message_post(
            body="Called the buyer about the renewal", message_type="comment"
        )
        ticket = self._ticket(user_id=self.user_service_agent.id)
        background = self._as(self.user_service_agent, ticket).web_read(
            {"crm_customer_background": {}}
        )[0]["crm_customer_background"]
        self.assertIn("Background Deal", background)
        self.assertIn(lead.stage_id.name, background)
        self.assertIn("Sally Salesman", background)
        self.assertIn("Called the buyer", background)
        # nothing more: the opportunity itself stays closed to them
        with self.assertRaises(AccessError):
            self._as(self.user_service_agent, lead).read(["name"])

    def test_customer_form_orders_buttons_and_hides_pool_actions(self):
        arch = etree.fromstring(self.env["res.partner"].get_view(view_type="form")["arch"])
        names = [b.get("name") for b in arch.xpath("//div[@name='button_box']/button")]
        order = [
            n
            for n in names
            if n
            in (
                "action_view_opportunity",
                "action_view_crm_followup_plans",
                "action_view_crm_tickets",
                "schedule_meeting",
            )
        ]
        self.assertEqual(
            order,
            [
                "action_view_opportunity",
                "action_view_crm_followup_plans",
                "action_view_crm_tickets",
                "schedule_meeting",
            ][: len(order)],
        )
        header = arch.xpath("//header")[0]
        self.assertFalse(header.xpath(".//button[@name='action_recompute_lifecycle']"))
        self.assertFalse(header.xpath(".//button[@name='action_crm_recompute_grades']"))
        for name in ("action_mark_churned", "action_crm_request_grade_override"):
            [button] = header.xpath(f".//button[@name='{name}']")
            self.assertIn("not user_id", button.get("invisible"), name)
        self.assertIn(
            "Recompute Lifecycle",
            self.env["ir.actions.server"]
            .search([("binding_model_id.model", "=", "res.partner")])
            .mapped("name"),
        )

    def test_settings_show_the_grade_matrix_as_a_grid_and_field_labels(self):
        settings = self.env["res.config.settings"].create({})
        grid = etree.fromstring(str(settings.crm_grade_matrix_grid))
        self.assertEqual(len(grid.xpath("//tbody/tr")), 3)
        self.assertEqual(len(grid.xpath("//tbody/tr/td")), 9)
        self.assertEqual(grid.xpath("//tbody/tr[1]/td[1]//text()"), ["S"])
        arch = self.env["res.config.settings"].get_view(view_type="form")["arch"]
        self.assertNotIn("公海", arch)
        names = self.env.company.crm_required_field_ids.with_context(hide_model=True).mapped(
            "display_name"
        )
        self.assertNotIn("(", "".join(names))


@tagged("post_install", "-at_install")
class TestChineseShippedData(FollowupCommon):
    def setUp(self):
        super().setUp()
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_standard"], ["zh_CN"], overwrite=True)

    def test_value_tag_family_is_jiazhi(self):
        Category = self.env["res.partner.category"].with_context(lang="zh_CN")
        families = dict(Category.fields_get(["family"])["family"]["selection"])
        self.assertEqual(families["value"], "价值")

    def test_shipped_followup_templates_and_steps_are_in_chinese(self):
        template = self.env.ref("crm_standard.followup_template_grade_c").with_context(lang="zh_CN")
        self.assertEqual(template.name, "C：低价值客户跟进")
        summaries = template.step_ids.mapped("summary")
        self.assertIn("每月行业资讯", summaries)
        self.assertIn("季度满意度回访", summaries)
        self.assertIn("低成本触达", template.step_ids[0].note)
        for xmlid in (
            "crm_standard.ticket_stage_new",
            "crm_standard.ticket_category_billing",
            "crm_standard.partner_tag_grade_s",
        ):
            record = self.env.ref(xmlid)
            self.assertNotEqual(
                record.with_context(lang="zh_CN").name, record.with_context(lang="en_US").name
            )

    def test_chinese_salesperson_gets_the_steps_in_chinese(self):
        self.user_salesman.lang = "zh_CN"
        customer = self._customer("Zh Plan Co")
        plan = self.Plan.create(
            {
                "partner_id": customer.id,
                "template_id": self.env.ref("crm_standard.followup_template_grade_c").id,
            }
        )
        self.assertIn("每月行业资讯", plan.step_ids.mapped("name"))

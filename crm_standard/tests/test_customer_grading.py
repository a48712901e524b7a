from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError

from odoo.addons.crm_standard.models.crm_standard_grade_matrix import DEFAULT_GRADE_MATRIX

from .common import CrmStandardCommon, TwoConnectionsCase

# revenue giving each value level with the default thresholds
REVENUE_FOR_VALUE = {"low": 50000.0, "medium": 300000.0, "high": 900000.0}


class GradingCommon(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "crm_grade_value_high": 500000.0,
                "crm_grade_value_medium": 100000.0,
                "crm_grade_growth_high": 15.0,
                "crm_grade_growth_medium": 5.0,
                "crm_grade_potential_rule": "average",
            }
        )
        cls.industry_it.growth_rate = 20.0  # high growth
        cls.industry_retail.growth_rate = 2.0  # low growth
        cls.Partner = cls.env["res.partner"]
        cls.Override = cls.env["crm.standard.grade.override"]
        cls.History = cls.env["crm.standard.grade.history"]

    @classmethod
    def _graded_customer(cls, name, revenue=0.0, needs_match=False, industry=False, **vals):
        """A customer owned by the salesperson, with one won deal of ``revenue``."""
        partner = cls._create_customer(
            name,
            industry_id=industry and industry.id,
            needs_match=needs_match,
            user_id=cls.user_salesman.id,
            **vals,
        )
        if revenue:
            cls._create_opportunity(partner, won=True, expected_revenue=revenue)
        else:
            partner._crm_mark_customer()
        return partner

    def _history(self, partner):
        return self.History.search([("partner_id", "=", partner.id)], order="id")


class TestGradeComputation(GradingCommon):
    def test_value_thresholds_at_their_edges(self):
        cases = [
            (99999.99, "low"),
            (100000.0, "medium"),
            (100000.01, "medium"),
            (499999.99, "medium"),
            (500000.0, "medium"),
            (500000.01, "high"),
        ]
        for revenue, level in cases:
            with self.subTest(revenue=revenue):
                partner = self._graded_customer(f"Edge {revenue}", revenue)
                self.assertEqual(partner.revenue_12m, revenue)
                self.assertEqual(partner.crm_value_level, level)

    def test_growth_thresholds_at_their_edges(self):
        level = self.Partner._crm_grading_growth_level
        self.assertEqual(level(4.99, self.company), "low")
        self.assertEqual(level(5.0, self.company), "medium")
        self.assertEqual(level(15.0, self.company), "medium")
        self.assertEqual(level(15.01, self.company), "high")

    def test_thresholds_are_per_company(self):
        self.company.crm_grade_value_high = 200000.0
        partner = self._graded_customer("Per Company", 300000.0)
        self.assertEqual(partner.crm_value_level, "high")

    def test_every_matrix_cell_gives_its_seed_grade(self):
        # no industry: the potential is the needs match alone
        customers = {}
        for value, potential in DEFAULT_GRADE_MATRIX:
            customers[(value, potential)] = self._graded_customer(
                f"Cell {value} {potential}", REVENUE_FOR_VALUE[value], needs_match=potential
            )
        self.assertEqual(len(customers), 9)
        for (value, potential), partner in customers.items():
            with self.subTest(value=value, potential=potential):
                self.assertEqual(partner.crm_value_level, value)
                self.assertEqual(partner.crm_potential_level, potential)
                self.assertEqual(
                    partner.crm_grade_computed, DEFAULT_GRADE_MATRIX[(value, potential)]
                )
                self.assertEqual(partner.customer_grade, DEFAULT_GRADE_MATRIX[(value, potential)])

    def test_seed_matrix_rows_match_the_documented_defaults(self):
        table = self.env["crm.standard.grade.matrix"]._crm_grade_table()
        for (value, potential), grade in DEFAULT_GRADE_MATRIX.items():
            self.assertEqual(table[(False, value, potential)], grade)
        self.assertEqual(DEFAULT_GRADE_MATRIX[("high", "high")], "S")
        self.assertEqual(DEFAULT_GRADE_MATRIX[("high", "low")], "A")
        self.assertEqual(DEFAULT_GRADE_MATRIX[("low", "high")], "A")
        self.assertEqual(DEFAULT_GRADE_MATRIX[("medium", "medium")], "B")
        self.assertEqual(DEFAULT_GRADE_MATRIX[("low", "low")], "C")

    def test_edited_matrix_cell_and_company_cell_win(self):
        partner = self._graded_customer("Matrix Edit", 300000.0, needs_match="medium")
        self.assertEqual(partner.customer_grade, "B")
        self.env.ref("crm_standard.grade_matrix_medium_medium").grade = "A"
        partner._crm_recompute_grades()
        self.assertEqual(partner.customer_grade, "A")
        self.env["crm.standard.grade.matrix"].create(
            {
                "value_level": "medium",
                "potential_level": "medium",
                "grade": "C",
                "company_id": self.company.id,
            }
        )
        partner._crm_recompute_grades()
        self.assertEqual(partner.customer_grade, "C")

    def test_potential_rules(self):
        # IT industry: high growth; needs match low
        partner = self._graded_customer("Rules", 0.0, needs_match="low", industry=self.industry_it)
        expected = {
            "average": "medium",
            "min": "low",
            "max": "high",
            "growth": "high",
            "needs": "low",
        }
        for rule, level in expected.items():
            with self.subTest(rule=rule):
                self.company.crm_grade_potential_rule = rule
                partner._crm_recompute_grades()
                self.assertEqual(partner.crm_potential_level, level)

    def test_potential_with_missing_inputs(self):
        nothing = self._graded_customer("No Inputs", 0.0)
        self.assertEqual(nothing.crm_potential_level, "low")
        only_industry = self._graded_customer("Only Industry", 0.0, industry=self.industry_it)
        self.assertEqual(only_industry.crm_potential_level, "high")

    def test_customer_without_opportunities(self):
        partner = self._graded_customer("No Deals", 0.0, needs_match="low")
        self.assertTrue(partner.is_crm_customer)
        self.assertEqual(partner.revenue_12m, 0.0)
        self.assertEqual(partner.crm_value_level, "low")
        self.assertEqual(partner.customer_grade, "C")
        self.assertEqual(partner.category_id, self.env.ref("crm_standard.partner_tag_grade_c"))

    def test_non_customer_is_not_graded(self):
        partner = self._create_customer("Just A Contact")
        partner._crm_recompute_grades()
        self.assertFalse(partner.customer_grade)

    def test_revenue_counts_contacts_won_deals_of_last_12_months_only(self):
        partner = self._graded_customer("Window", 60000.0)
        contact = self.Partner.create(
            {"name": "Buyer", "parent_id": partner.id, "email": "buyer@window.example.com"}
        )
        self._create_opportunity(contact, won=True, expected_revenue=50000.0)
        self.assertEqual(partner.revenue_12m, 110000.0)
        self.assertEqual(partner.crm_value_level, "medium")
        old = self._create_opportunity(partner, won=True, expected_revenue=1000000.0)
        old.date_closed = fields.Datetime.now() - timedelta(days=400)
        self._create_opportunity(partner, expected_revenue=1000000.0)  # open: not counted
        partner._crm_recompute_grades()
        self.assertEqual(partner.revenue_12m, 110000.0)

    def test_won_and_lost_opportunities_regrade_the_customer(self):
        partner = self._graded_customer("Moves", 50000.0, needs_match="high")
        self.assertEqual(partner.customer_grade, "A")  # low value + high potential
        deal = self._create_opportunity(partner, expected_revenue=600000.0)
        self.assertEqual(partner.customer_grade, "A")
        deal.stage_id = self.stage_won
        self._run_precommit()
        self.assertEqual(partner.crm_value_level, "high")
        self.assertEqual(partner.customer_grade, "S")
        deal.action_set_lost()
        self._run_precommit()
        self.assertEqual(partner.customer_grade, "A")

    def test_needs_match_change_regrades(self):
        partner = self._graded_customer("Needs", 300000.0, needs_match="low")
        self.assertEqual(partner.customer_grade, "B")
        partner.needs_match = "high"
        self.assertEqual(partner.customer_grade, "A")

    def test_currency_conversion(self):
        currency = self.env["res.currency"].create(
            {"name": "TSX", "symbol": "T$", "rounding": 0.01}
        )
        self.env["res.currency.rate"].create(
            {
                "currency_id": currency.id,
                "rate": 0.5,
                "name": "2020-01-01",
                "company_id": self.company.id,
            }
        )
        company_b = self.env["res.company"].create(
            {"name": "Grading Co B", "currency_id": currency.id}
        )
        partner = self._graded_customer("Abroad", 0.0)
        # 60,000 TSX at 2 company currency units per TSX: 120,000, medium value
        self.env["crm.lead"].create(
            {
                "name": "Deal in TSX",
                "type": "opportunity",
                "partner_id": partner.id,
                "company_id": company_b.id,
                "user_id": False,
                "team_id": False,
                "stage_id": self.stage_won.id,
                "expected_revenue": 60000.0,
            }
        )
        partner._crm_recompute_grades()
        self.assertEqual(partner.revenue_12m, 120000.0)
        self.assertEqual(partner.crm_value_level, "medium")


class TestGradeHistoryAndChatter(GradingCommon):
    def test_grade_change_writes_history_and_chatter_first_grade_history_only(self):
        partner = self._graded_customer("History", 50000.0, needs_match="low")
        history = self._history(partner)
        self.assertEqual(len(history), 1)
        self.assertRecordValues(
            history,
            [
                {
                    "old_grade": False,
                    "new_grade": "C",
                    "computed_grade": "C",
                    "source": "computed",
                    "user_id": self.env.uid,
                }
            ],
        )
        self._create_opportunity(partner, won=True, expected_revenue=100000.0)
        history = self._history(partner)
        self.assertEqual(history.mapped("new_grade"), ["C", "B"])
        self.assertEqual(history[-1].old_grade, "C")
        tracking = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "res.partner"),
                ("mail_message_id.res_id", "=", partner.id),
                ("field_id.name", "=", "customer_grade"),
            ],
            order="id",
        )
        # the first grade is like an initial value: history only, no chatter
        self.assertEqual([(t.old_value_char, t.new_value_char) for t in tracking], [("C", "B")])

    def test_recompute_is_idempotent(self):
        partner = self._graded_customer("Twice", 300000.0)
        before = self._history(partner)
        messages = len(partner.message_ids)
        self.assertFalse(partner._crm_recompute_grades())
        self.assertEqual(self._history(partner), before)
        self.assertEqual(len(partner.message_ids), messages)

    def test_hook_receives_old_grades(self):
        partner = self._graded_customer("Hooked", 50000.0, needs_match="low")
        model_class = self.registry["res.partner"]
        with patch.object(model_class, "_crm_on_grade_changed", autospec=True) as hook:
            self._create_opportunity(partner, won=True, expected_revenue=600000.0)
        self.assertTrue(hook.called)
        records, old = hook.call_args.args
        self.assertEqual(records, partner)
        self.assertEqual(old, {partner.id: "C"})
        self.assertEqual(partner.customer_grade, "A")

    def test_cron_grades_everyone_in_batches_and_is_idempotent(self):
        partners = self.Partner
        for index in range(5):
            partners |= self._graded_customer(f"Cron {index}", 50000.0 * (index + 1))
        self.company.write(
            {"crm_grade_value_medium": 10000000.0, "crm_grade_value_high": 20000000.0}
        )
        with patch.object(type(self.env["ir.cron"]), "_notify_progress", autospec=True) as progress:
            self.Partner._cron_crm_recompute_grades(batch_size=2)
        self.assertTrue(all(p.crm_value_level == "low" for p in partners))
        last = progress.call_args.kwargs
        self.assertEqual(last["remaining"], 0)
        self.assertGreaterEqual(last["done"], 5)
        count = self.History.search_count([("partner_id", "in", partners.ids)])
        self.Partner._cron_crm_recompute_grades(batch_size=2)
        self.assertEqual(self.History.search_count([("partner_id", "in", partners.ids)]), count)


class TestGradeOverride(GradingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._graded_customer("Override Co", 300000.0, needs_match="low")

    def _request(self, user, grade="S", partner=None):
        return self.Override.with_user(user).create(
            {
                "partner_id": (partner or self.customer).id,
                "requested_grade": grade,
                "reason": "Strategic account for the region",
            }
        )

    def test_salesperson_request_waits_for_approval(self):
        self.assertEqual(self.customer.customer_grade, "B")
        request = self._request(self.user_salesman)
        self.assertEqual(request.state, "pending")
        self.assertEqual(request.current_grade, "B")
        self.assertEqual(self.customer.customer_grade, "B")
        self.assertFalse(self.customer.crm_grade_manual)

    def test_salesperson_and_all_leads_user_cannot_approve_or_reject(self):
        request = self._request(self.user_salesman)
        for user in (self.user_salesman, self.user_salesman_all):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    request.with_user(user).action_approve()
                request.sudo().review_comment = "no"
                with self.assertRaises(AccessError):
                    request.with_user(user).action_reject()
        self.assertEqual(request.state, "pending")
        self.assertEqual(self.customer.customer_grade, "B")

    def test_manager_approves(self):
        request = self._request(self.user_salesman)
        request.with_user(self.user_sales_manager).action_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.reviewer_id, self.user_sales_manager)
        self.assertEqual(self.customer.customer_grade, "S")
        self.assertEqual(self.customer.crm_grade_manual, "S")
        self.assertEqual(self.customer.crm_grade_computed, "B")
        self.assertEqual(self.customer.crm_grade_manual_reason, "Strategic account for the region")
        last = self._history(self.customer)[-1]
        self.assertRecordValues(
            last,
            [
                {
                    "old_grade": "B",
                    "new_grade": "S",
                    "computed_grade": "B",
                    "source": "manual",
                    "user_id": self.user_sales_manager.id,
                    "override_id": request.id,
                }
            ],
        )
        self.assertIn(self.env.ref("crm_standard.partner_tag_grade_s"), self.customer.category_id)
        # the daily recompute keeps the manual grade, refreshes the computed one
        self.company.crm_grade_value_medium = 400000.0
        self.customer._crm_recompute_grades()
        self.assertEqual(self.customer.crm_grade_computed, "C")
        self.assertEqual(self.customer.customer_grade, "S")

    def test_manager_rejects_with_comment_only(self):
        request = self._request(self.user_salesman)
        manager_request = request.with_user(self.user_sales_manager)
        with self.assertRaises(UserError):
            manager_request.action_reject()
        manager_request.review_comment = "Revenue does not support it"
        manager_request.action_reject()
        self.assertEqual(request.state, "rejected")
        self.assertEqual(self.customer.customer_grade, "B")
        self.assertFalse(self._history(self.customer).filtered(lambda h: h.source == "manual"))
        with self.assertRaises(UserError):
            manager_request.action_approve()

    def test_manager_override_applies_directly(self):
        request = self._request(self.user_sales_manager, grade="C")
        self.assertEqual(request.state, "approved")
        self.assertEqual(self.customer.customer_grade, "C")
        self.assertEqual(self._history(self.customer)[-1].source, "manual")

    def test_removing_the_override_restores_the_computed_grade(self):
        self._request(self.user_sales_manager, grade="S")
        with self.assertRaises(AccessError):
            self.customer.with_user(self.user_salesman).action_crm_clear_grade_override()
        self.customer.with_user(self.user_sales_manager).action_crm_clear_grade_override()
        self.assertFalse(self.customer.crm_grade_manual)
        self.assertEqual(self.customer.customer_grade, "B")
        self.assertEqual(self._history(self.customer)[-1].old_grade, "S")

    def test_salesperson_cannot_request_for_a_customer_of_someone_else(self):
        other = self._graded_customer("Not Mine", 300000.0)
        other.user_id = self.user_sales_manager
        with self.assertRaises(AccessError):
            self._request(self.user_salesman, partner=other)

    def test_requester_can_cancel(self):
        request = self._request(self.user_salesman)
        request.with_user(self.user_salesman).action_cancel()
        self.assertEqual(request.state, "cancelled")


class TestGradingAccess(GradingCommon):
    def test_salesperson_sees_history_and_requests_of_own_customers_only(self):
        mine = self._graded_customer("Mine", 300000.0)
        theirs = self._graded_customer("Theirs", 300000.0)
        theirs.user_id = self.user_sales_manager
        theirs._crm_recompute_grades()
        for model in ("crm.standard.grade.history",):
            rows = (
                self.env[model]
                .with_user(self.user_salesman)
                .search([("partner_id", "in", (mine | theirs).ids)])
            )
            self.assertEqual(rows.partner_id, mine)
            rows = (
                self.env[model]
                .with_user(self.user_salesman_all)
                .search([("partner_id", "in", (mine | theirs).ids)])
            )
            self.assertEqual(rows.partner_id, mine | theirs)

    def test_revenue_is_restricted_to_sales_and_service_roles(self):
        partner = self._graded_customer("Secret", 300000.0)
        self.assertEqual(partner.with_user(self.user_salesman).revenue_12m, 300000.0)
        self.assertEqual(partner.with_user(self.user_service_agent).revenue_12m, 300000.0)
        employee = self.env["res.users"].create(
            {
                "name": "Plain Employee",
                "login": "crm_plain_employee",
                "groups_id": [Command.set([self.env.ref("base.group_user").id])],
            }
        )
        with self.assertRaises(AccessError):
            partner.with_user(employee).read(["revenue_12m"])

    def test_recompute_button_is_for_managers(self):
        partner = self._graded_customer("Button", 300000.0)
        with self.assertRaises(AccessError):
            partner.with_user(self.user_salesman).action_crm_recompute_grades()
        self.assertTrue(partner.with_user(self.user_sales_manager).action_crm_recompute_grades())


class TestGradingQueryCount(GradingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.small = cls.Partner
        cls.large = cls.Partner
        for index in range(3):
            cls.small |= cls._graded_customer(f"Small {index}", 300000.0, needs_match="low")
        for index in range(15):
            cls.large |= cls._graded_customer(f"Large {index}", 300000.0, needs_match="low")
            cls._create_opportunity(cls.large[-1], won=True, expected_revenue=1000.0)

    def _regrade_all(self):
        # every customer changes grade: B -> C
        self.company.write({"crm_grade_value_medium": 400000.0, "crm_grade_value_high": 800000.0})
        self.env.flush_all()
        self.env.invalidate_all()

    def _fresh_cache(self):
        self.env.invalidate_all()
        self.assertTrue(self.env.user.partner_id.email_formatted)  # the chatter author

    def test_query_count_of_a_batch_does_not_grow_with_its_size(self):
        warmup = self._graded_customer("Warm Up", 300000.0)
        self._regrade_all()
        warmup._crm_recompute_grades()
        # every customer changes grade: one aggregate, one UPDATE, batched logging
        self._fresh_cache()
        # follow-up plan proposals have their own query-count test
        small = self.small.with_context(crm_skip_followup_plans=True)
        large = self.large.with_context(crm_skip_followup_plans=True)
        with self.assertQueryCount(17):
            self.assertEqual(len(small._crm_recompute_grades()), 3)
        self._fresh_cache()
        with self.assertQueryCount(17):
            self.assertEqual(len(large._crm_recompute_grades()), 15)
        # nothing to change: fewer queries, still flat
        self._fresh_cache()
        # (8: the settings companies come with the locked rows; the main
        # company's currency)
        with self.assertQueryCount(8):
            self.assertFalse(self.small._crm_recompute_grades())
        self._fresh_cache()
        with self.assertQueryCount(8):
            self.assertFalse(self.large._crm_recompute_grades())


class TestGradingViews(GradingCommon):
    def test_customer_views_load_for_every_role(self):
        search = self.env.ref("crm_standard.res_partner_view_search_crm_customers")
        users = (
            self.user_salesman,
            self.user_salesman_all,
            self.user_sales_manager,
            self.user_service_agent,
            self.user_crm_admin,
        )
        for user in users:
            with self.subTest(user=user.login):
                views = (
                    self.env["res.partner"]
                    .with_user(user)
                    .get_views(
                        [(False, "form"), (False, "list"), (False, "kanban"), (search.id, "search")]
                    )
                )
                self.assertIn("customer_grade", views["views"]["form"]["arch"])
                self.assertIn("searchpanel", views["views"]["search"]["arch"])
        form = (
            self.env["res.partner"]
            .with_user(self.user_service_agent)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("revenue_12m", form)
        self.assertNotIn("crm_grade_history_count", form)

    def test_grading_models_views_load(self):
        for model, user in (
            ("crm.standard.grade.override", self.user_salesman),
            ("crm.standard.grade.history", self.user_salesman),
            ("crm.standard.grade.matrix", self.user_crm_admin),
        ):
            with self.subTest(model=model):
                self.env[model].with_user(user).get_views([(False, "list"), (False, "search")])


class TestGradingConcurrency(TwoConnectionsCase):
    """Two grading workers on two real connections: each customer graded once."""

    def setUp(self):
        super().setUp()
        with self._committed_env({"tracking_disable": True, "crm_skip_grading": True}) as env:
            partners = env["res.partner"].create(
                [
                    {"name": f"Concurrent Grading {i}", "is_company": True, "is_crm_customer": True}
                    for i in range(3)
                ]
            )
            self.partner_ids = partners.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._committed_env() as env:
            env["crm.standard.followup.plan"].search(
                [("partner_id", "in", self.partner_ids)]
            ).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

    def _history_counts(self):
        with self._committed_env() as env:
            groups = env["crm.standard.grade.history"]._read_group(
                [("partner_id", "in", self.partner_ids)], ["partner_id"], ["__count"]
            )
            return sorted(count for __, count in groups)

    def test_two_workers_at_once_grade_each_customer_once(self):
        with self._two_workers(lock_timeout="2s") as (env1, env2):
            env1["res.partner"]._cron_crm_recompute_grades()
            # worker 1 holds its customers: worker 2 skips them without waiting
            env2["res.partner"]._cron_crm_recompute_grades()
            env2.cr.commit()
            env1.cr.commit()
        self.assertEqual(self._history_counts(), [1, 1, 1])

    def test_worker_with_an_older_snapshot_grades_nothing_twice(self):
        with self._two_workers() as (env1, env2):
            env2.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # worker 2's snapshot
            env1["res.partner"]._cron_crm_recompute_grades()
            env1.cr.commit()
            # worker 2 still sees the customers ungraded: it must leave them
            with self.assertNoLogs(
                "odoo.addons.crm_standard.models.res_partner_grading", "WARNING"
            ):
                env2["res.partner"]._cron_crm_recompute_grades()
            env2.cr.commit()
        self.assertEqual(self._history_counts(), [1, 1, 1])

    def test_two_workers_propose_one_plan_per_customer(self):
        with self._two_workers(lock_timeout="2s") as (env1, env2):
            env2.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # worker 2's snapshot
            env1["res.partner"]._cron_crm_recompute_grades()
            env2["res.partner"]._cron_crm_recompute_grades()  # skips worker 1's customers
            env1.cr.commit()
            env2["res.partner"]._cron_crm_recompute_grades()  # older snapshot: leaves them
            env2.cr.commit()
        with self._committed_env() as env:
            groups = env["crm.standard.followup.plan"]._read_group(
                [("partner_id", "in", self.partner_ids)], ["partner_id"], ["__count"]
            )
        self.assertEqual(sorted(count for __, count in groups), [1, 1, 1])

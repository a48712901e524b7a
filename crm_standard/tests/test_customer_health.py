import logging
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form

from .common import CrmStandardCommon, TwoConnectionsCase


class HealthCommon(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"].with_context(crm_skip_grading=True)
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.call_type = cls.env.ref("mail.mail_activity_data_call")

    @classmethod
    def _customer(cls, name, days_old=200, grade=None, user=None, **vals):
        """A customer created ``days_old`` days ago (past the 'new' period)."""
        partner = cls._create_customer(
            name,
            is_crm_customer=True,
            user_id=(user or cls.user_salesman).id,
            **vals,
        )
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE res_partner SET create_date = now() at time zone 'UTC' - "
            "make_interval(days => %s), customer_grade = %s WHERE id = %s",
            [days_old, grade, partner.id],
        )
        partner.invalidate_recordset()
        return partner

    def _contact(self, partner, days_ago):
        """A call done with ``partner`` ``days_ago`` days ago."""
        return self.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": partner.id,
                "message_type": "notification",
                "mail_activity_type_id": self.call_type.id,
                "body": "Call done",
                "date": fields.Datetime.now() - timedelta(days=days_ago),
            }
        )

    def _score(self, partners):
        partners._crm_health_recompute()
        self.env.flush_all()
        self.env.invalidate_all()
        return partners

    def _retention_plans(self, partner):
        return self.env["crm.standard.followup.plan"].search(
            [("partner_id", "=", partner.id), ("crm_retention", "=", True)]
        )


class TestHealthScore(HealthCommon):
    def test_recency_is_measured_against_the_cadence_of_the_grade_template(self):
        """S template: monthly visits and calls; 74 days without contact is 44
        days late out of the 60 (two more cadences) that bring it to 0."""
        partner = self._customer("Recency S", grade="S")
        self._contact(partner, 74)
        self._score(partner)
        details = partner.crm_health_details["recency"]
        self.assertEqual(details["cadence"], 30)
        self.assertEqual(details["days"], 74)
        self.assertAlmostEqual(partner.crm_health_recency, 26.7)
        sentence = partner._crm_health_sentence_recency(details)
        self.assertIn("74 days ago", sentence)
        self.assertIn("S customer expects contact every 30 days", sentence)

    def test_factor_without_data_spreads_its_weight_over_the_others(self):
        """Only the contact recency has data: it carries the whole score."""
        partner = self._customer("Only Recency", grade="S")
        self._contact(partner, 45)  # 15 days late of 60: 75
        self._score(partner)
        details = partner.crm_health_details
        self.assertEqual(details["recency"]["max"], 100.0)
        self.assertEqual(details["recency"]["points"], 75.0)
        for name in ("business", "service", "satisfaction", "discipline"):
            self.assertIsNone(details[name]["points"], name)
            self.assertEqual(details[name]["max"], 0)
        self.assertEqual(partner.crm_health_score, 75)
        self.assertEqual(partner.crm_health_band, "healthy")

    def test_weighted_score_of_recency_business_and_service(self):
        """Recency 100 (30), business 80+20 = 100 (20), service 100-30-20 = 50
        (20): 70 points of 70 weight for 100, 50... score = (30*100 + 20*100 +
        20*50) / 70 = 85.7 -> 86."""
        partner = self._customer("Weighted", grade="S")
        self._contact(partner, 1)
        self._create_opportunity(partner, won=True, expected_revenue=1000)
        self._create_opportunity(partner, expected_revenue=500)
        ticket_vals = {"partner_id": partner.id, "ticket_type": "complaint"}
        Ticket = self.env["crm.standard.ticket"]
        Ticket.create({**ticket_vals, "name": "Broken"})
        breached = Ticket.create({**ticket_vals, "name": "Late", "ticket_type": "inquiry"})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_standard_ticket SET sla_status = 'breached' WHERE id = %s", [breached.id]
        )
        self._score(partner)
        self.assertEqual(partner.crm_health_business, 100.0)
        self.assertEqual(partner.crm_health_service, 50.0)
        self.assertEqual(partner.crm_health_score, 86)
        details = partner.crm_health_details
        self.assertEqual(details["service"]["points"], round(50 * 20 / 70, 1))
        # the top driver is the factor that lost the most points: service
        self.assertIn("Service", partner.crm_health_drivers)
        self.assertIn("1 open complaints, 1 SLA breaches", partner.crm_health_why)

    def test_satisfaction_is_the_average_of_the_latest_five_ratings(self):
        partner = self._customer("Rated", grade="S")
        self._contact(partner, 1)
        ticket = self.env["crm.standard.ticket"].create({"name": "Rated", "partner_id": partner.id})
        model = self.env["ir.model"]._get_id("crm.standard.ticket")
        self.env["rating.rating"].create(
            [
                {
                    "res_model_id": model,
                    "res_id": ticket.id,
                    "partner_id": partner.id,
                    "rating": value,
                    "consumed": True,
                }
                for value in (5, 5, 5, 5, 1, 1)  # the first one is the oldest
            ]
        )
        self._score(partner)
        data = partner.crm_health_details["satisfaction"]
        self.assertEqual(data["count"], 5)
        self.assertEqual(data["average"], 3.4)  # 5, 5, 5, 1, 1
        self.assertEqual(partner.crm_health_satisfaction, 60.0)

    def test_weights_must_sum_to_100(self):
        with self.assertRaisesRegex(ValidationError, "Health Factor Weights.*sum to 100"):
            self.company.crm_health_weight_recency = 31
        with self.assertRaisesRegex(ValidationError, "positive or zero"):
            self.company.write({"crm_health_weight_recency": -10, "crm_health_weight_business": 60})

    def test_settings_change_two_weights_at_once_and_refuse_a_bad_sum(self):
        settings = self.env["res.config.settings"].create(
            {"crm_health_weight_recency": 40, "crm_health_weight_business": 10}
        )
        settings.execute()
        self.assertEqual(self.company.crm_health_weight_recency, 40)
        self.assertEqual(self.company.crm_health_weight_business, 10)
        settings = self.env["res.config.settings"].create({"crm_health_weight_recency": 50})
        with self.assertRaisesRegex(ValidationError, "sum to 100"):
            settings.execute()

    def test_band_edges_follow_the_company_thresholds(self):
        band = self.env["res.partner"]._crm_health_band_of
        self.assertEqual(band(70, self.company), "healthy")
        self.assertEqual(band(69, self.company), "watch")
        self.assertEqual(band(40, self.company), "watch")
        self.assertEqual(band(39, self.company), "at_risk")
        self.assertEqual(band(None, self.company), "new")
        self.company.write({"crm_health_healthy_from": 80, "crm_health_risk_below": 50})
        self.assertEqual(band(79, self.company), "watch")
        self.assertEqual(band(49, self.company), "at_risk")
        with self.assertRaisesRegex(ValidationError, "Health Bands"):
            self.company.crm_health_risk_below = 90

    def test_new_customer_is_not_scored(self):
        partner = self._customer("Brand New", days_old=5, grade="S")
        self._score(partner)
        self.assertEqual(partner.crm_health_band, "new")
        self.assertFalse(partner.crm_health_score)
        self.assertFalse(partner.crm_health_snapshot_ids)


class TestHealthHistoryAndOverride(HealthCommon):
    def test_band_change_is_tracked_in_the_chatter(self):
        partner = self._customer("Tracked", grade="S")
        self._contact(partner, 1)
        self._score(partner)
        self.assertEqual(partner.crm_health_band, "healthy")
        # the first band is not logged (the first run would flood every chatter)
        self.assertFalse(
            partner.message_ids.tracking_value_ids.filtered(
                lambda t: t.field_id.name == "crm_health_band"
            )
        )
        self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("mail_activity_type_id", "!=", False),
            ]
        ).unlink()
        self._score(partner)  # never contacted in 200 days: at risk
        self.assertEqual(partner.crm_health_band, "at_risk")
        tracking = partner.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "crm_health_band"
        )
        self.assertEqual(tracking.mapped("old_value_char"), ["Healthy"])
        self.assertEqual(tracking.mapped("new_value_char"), ["At Risk"])

    def test_snapshot_on_change_and_at_least_monthly(self):
        partner = self._customer("Snapshots", grade="S")
        self._contact(partner, 1)
        self._score(partner)
        self.assertEqual(len(partner.crm_health_snapshot_ids), 1)
        self._score(partner)  # nothing changed
        self.assertEqual(len(partner.crm_health_snapshot_ids), 1)
        # a month later without any change: a new snapshot all the same
        self.env.cr.execute(
            "UPDATE crm_standard_health_snapshot SET date = date - 31 WHERE partner_id = %s;"
            "UPDATE res_partner SET crm_health_snapshot_date = crm_health_snapshot_date - 31 "
            "WHERE id = %s",
            [partner.id, partner.id],
        )
        self.env.invalidate_all()
        self._score(partner)
        self.assertEqual(len(partner.crm_health_snapshot_ids), 2)
        self.assertEqual(partner.crm_health_snapshot_ids[0].date, self.today)

    def test_only_a_manager_overrides_the_band_with_a_comment(self):
        partner = self._customer("Override", grade="S", user=self.user_salesman)
        self._contact(partner, 1)
        self._score(partner)
        Override = self.env["crm.standard.health.override"]
        with self.assertRaises(AccessError):
            self._as(self.user_salesman, Override).create(
                {"partner_id": partner.id, "band": "at_risk", "comment": "I feel it"}
            )
        with self.assertRaisesRegex(ValidationError, "Comment"):
            self._as(self.user_sales_manager, Override).create(
                {"partner_id": partner.id, "band": "at_risk", "comment": "  "}
            )
        override = self._as(self.user_sales_manager, Override).create(
            {"partner_id": partner.id, "band": "at_risk", "comment": "Their CEO left"}
        )
        self.env.invalidate_all()
        self.assertEqual(partner.crm_health_band, "at_risk")
        self.assertEqual(partner.crm_health_band_computed, "healthy")
        self.assertEqual(partner.crm_health_override_id, override)
        self.assertEqual(override.old_band, "healthy")
        self.assertIn("Their CEO left", partner.message_ids[0].body)
        self.assertTrue(self._retention_plans(partner), "entering at risk starts retention")
        # the daily score keeps the manager's band
        self._score(partner)
        self.assertEqual(partner.crm_health_band, "at_risk")
        # an override is history: never changed, a new one removes it
        with self.assertRaises(UserError):
            self._as(self.user_sales_manager, override).comment = "edited"
        self._as(self.user_sales_manager, Override).create(
            {"partner_id": partner.id, "band": False, "comment": "CEO is back"}
        )
        self.env.invalidate_all()
        self.assertEqual(partner.crm_health_band, "healthy")
        self.assertFalse(partner.crm_health_override_id)
        self.assertEqual(len(Override.search([("partner_id", "=", partner.id)])), 2)
        self.assertEqual(self._retention_plans(partner).crm_retention_outcome, "recovered")


class TestHealthRetention(HealthCommon):
    def _at_risk(self, name, user=None):
        """A C customer never contacted in 200 days: recency 0, at risk."""
        return self._customer(name, grade="C", user=user)

    def test_entering_at_risk_proposes_one_retention_plan_from_the_template(self):
        partner = self._at_risk("Risky")
        self._score(partner)
        self.assertEqual(partner.crm_health_band, "at_risk")
        plan = self._retention_plans(partner)
        self.assertEqual(len(plan), 1)
        self.assertEqual(plan.state, "submitted", "approved like any plan")
        self.assertEqual(plan.template_id, self.env.ref("crm_standard.followup_template_retention"))
        self.assertEqual(
            plan.step_ids.mapped("next_due_date"),
            [self.today + timedelta(days=d) for d in (2, 7, 30)],
        )
        # still at risk the next day: no second plan
        self.env.cr.execute(
            "UPDATE res_partner SET crm_health_band = 'watch' WHERE id = %s", [partner.id]
        )
        self.env.invalidate_all()
        self._score(partner)
        self.assertEqual(len(self._retention_plans(partner)), 1, "never two retention plans")

    def test_retention_plan_lives_beside_the_grade_plan(self):
        partner = self._at_risk("Two Tracks")
        Plan = self.env["crm.standard.followup.plan"]
        grade_plan = Plan.create(
            {
                "partner_id": partner.id,
                "template_id": self.env.ref("crm_standard.followup_template_grade_c").id,
            }
        )
        grade_plan.action_submit()
        self._score(partner)
        retention = self._retention_plans(partner)
        self._as(self.user_sales_manager, retention).action_approve()
        self.assertEqual(retention.state, "approved")
        self.assertEqual(grade_plan.state, "submitted")

    def test_sales_manager_own_proposal_is_approved_at_once(self):
        partner = self._at_risk("Manager Start", user=self.user_salesman)
        self._score(partner.with_context(crm_skip_retention=True))
        self.assertFalse(self._retention_plans(partner))
        self._as(self.user_sales_manager, partner).action_crm_retention_start()
        plan = self._retention_plans(partner)
        self.assertEqual(plan.state, "approved")
        self.assertEqual(plan.approver_id, self.user_sales_manager)
        with self.assertRaisesRegex(UserError, "Retention: Manager Start has a retention plan"):
            self._as(self.user_sales_manager, partner).action_crm_retention_start()

    def test_salesperson_recomputes_the_health_of_own_customer(self):
        partner = self._at_risk("Recompute Me", user=self.user_salesman)
        self._as(self.user_salesman, partner).action_crm_health_recompute()
        self.env.invalidate_all()
        self.assertEqual(partner.crm_health_band, "at_risk")

    def test_recovered_then_cooldown_then_a_new_plan(self):
        partner = self._at_risk("Cooldown")
        self._score(partner)
        plan = self._retention_plans(partner)
        contact = self._contact(partner, 0)
        self._score(partner)
        self.assertEqual(partner.crm_health_band, "healthy")
        self.assertEqual(plan.crm_retention_outcome, "recovered")
        self.assertEqual(plan.crm_retention_rate, 100.0)
        self.assertIn(plan.state, ("done", "cancelled"))
        contact.unlink()
        self._score(partner)
        self.assertEqual(partner.crm_health_band, "at_risk")
        self.assertEqual(len(self._retention_plans(partner)), 1, "cooldown: no new plan")
        # after the cooldown, entering at risk again proposes a new one
        plan.date_end = self.today - timedelta(days=61)
        self.env.cr.execute(
            "UPDATE res_partner SET crm_health_band = 'watch' WHERE id = %s", [partner.id]
        )
        self.env.invalidate_all()
        self._score(partner)
        self.assertEqual(len(self._retention_plans(partner)), 2)

    def test_churn_closes_the_retention_plan_as_lost(self):
        partner = self._at_risk("Churner")
        self._score(partner)
        plan = self._retention_plans(partner)
        partner.action_mark_churned()
        self.assertEqual(plan.crm_retention_outcome, "lost")
        self.assertEqual(plan.crm_retention_rate, 0.0)
        self.assertEqual(plan.state, "cancelled")

    def test_one_digest_per_user_per_run(self):
        leader_team = self.env["crm.team"].create(
            {
                "name": "Health Team",
                "user_id": self.user_sales_manager.id,
                "member_ids": [(4, self.user_salesman.id)],
            }
        )
        self.assertEqual(self.user_salesman.sale_team_id, leader_team)
        partners = self._at_risk("Digest A") | self._at_risk("Digest B")
        self._score(partners)
        Plan = self.env["crm.standard.followup.plan"]
        before = self.env["mail.message"].search_count([])
        self.assertEqual(Plan._crm_retention_send_digests(), 2, "salesperson and manager")
        messages = self.env["mail.message"].search([], order="id desc", limit=2)
        self.assertEqual(self.env["mail.message"].search_count([]), before + 2)
        self.assertEqual(
            set(messages.partner_ids.ids),
            {self.user_salesman.partner_id.id, self.user_sales_manager.partner_id.id},
        )
        self.assertIn("Digest A", messages[0].body)
        self.assertIn("Digest B", messages[0].body)
        self.assertEqual(Plan._crm_retention_send_digests(), 0, "each plan reported once")

    def test_ticket_shows_the_churn_risk_to_service(self):
        partner = self._at_risk("Ticket Risk")
        self._score(partner)
        ticket = self.env["crm.standard.ticket"].create({"name": "Help", "partner_id": partner.id})
        self.assertEqual(self._as(self.user_service_manager, ticket).crm_health_band, "at_risk")


class TestHealthCron(HealthCommon):
    def test_batch_queries_do_not_depend_on_the_number_of_customers(self):
        """2 or 6 customers of the same profiles (each entering at risk with a
        retention plan, or healthy) cost the same queries."""

        def customers(prefix, count):
            partners = self.Partner.browse()
            for i in range(count):
                partner = self._customer(f"{prefix} {i}", grade="C" if i % 2 else "S")
                if not i % 2:
                    self._contact(partner, 1)
                partners |= partner
            return partners

        warm, two, six = customers("Warm", 2), customers("Two", 2), customers("Six", 6)
        self._score(warm)
        self.env.flush_all()
        self.env.invalidate_all()
        count = self.env.cr.sql_log_count
        two._crm_health_recompute()
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - count
        self.env.invalidate_all()
        with self.assertQueryCount(queries):
            six._crm_health_recompute()
            self.env.flush_all()
        self.assertEqual(len(six.filtered(lambda p: p.crm_health_band == "at_risk")), 3)

    def test_cron_is_idempotent(self):
        partners = self._customer("Idem A", grade="C") | self._customer("Idem B", grade="S")
        self.env["res.partner"]._cron_crm_health()
        self.env.flush_all()
        snapshots = self.env["crm.standard.health.snapshot"].search_count([])
        plans = self.env["crm.standard.followup.plan"].search_count([])
        messages = self.env["mail.message"].search_count([])
        scores = partners.mapped("crm_health_score")
        self.env["res.partner"]._cron_crm_health()
        self.env.flush_all()
        self.assertEqual(self.env["crm.standard.health.snapshot"].search_count([]), snapshots)
        self.assertEqual(self.env["crm.standard.followup.plan"].search_count([]), plans)
        self.assertEqual(self.env["mail.message"].search_count([]), messages)
        self.assertEqual(partners.mapped("crm_health_score"), scores)

    def test_a_bad_customer_is_logged_and_skipped(self):
        good = self._customer("Good One", grade="S")
        bad = self._customer("Bad One", grade="S")
        original = type(self.env["res.partner"])._crm_health_factor_service

        def failing(records, today):
            if bad in records:
                raise ValueError("broken ticket data")
            return original(records, today)

        with (
            patch.object(type(self.env["res.partner"]), "_crm_health_factor_service", failing),
            self.assertLogs(
                "odoo.addons.crm_standard.models.res_partner_health", logging.INFO
            ) as logs,
        ):
            self.env["res.partner"]._cron_crm_health()
        self.env.invalidate_all()
        self.assertTrue(good.crm_health_band)
        self.assertFalse(bad.crm_health_band)
        self.assertTrue(any(f"health of partner {bad.id} skipped" in line for line in logs.output))


class TestHealthAccess(HealthCommon):
    def test_health_read_by_role(self):
        own = self._customer("Own Health", grade="S", user=self.user_salesman)
        other = self._customer("Other Health", grade="S", user=self._create_colleague())
        self._score(own | other)
        # salesperson: the customers they may see, with the why
        partner = self._as(self.user_salesman, own)
        self.assertTrue(partner.crm_health_band)
        self.assertTrue(partner.crm_health_why)
        snapshots = self._as(self.user_salesman, "crm.standard.health.snapshot").search(
            [("partner_id", "in", (own | other).ids)]
        )
        self.assertEqual(snapshots.partner_id, own)
        # service reads the factors of every customer
        agent_view = self._as(self.user_service_agent, other)
        self.assertTrue(agent_view.crm_health_why)
        self.assertEqual(
            len(
                self._as(self.user_service_agent, "crm.standard.health.snapshot").search(
                    [("partner_id", "in", (own | other).ids)]
                )
            ),
            2,
        )
        # an internal user without a CRM role does not read the health
        internal = self._create_colleague("crm_internal_health", "Ian Internal")
        internal.groups_id = [(6, 0, [self.env.ref("base.group_user").id])]
        with self.assertRaises(AccessError):
            self._as(internal, own).crm_health_score  # noqa: B018

    def test_web_client_group_by_band_and_form(self):
        own = self._customer("Grouped", grade="C", user=self.user_salesman)
        self._score(own)
        Partner = self._as(self.user_salesman, "res.partner")
        groups = Partner.web_read_group(
            [("id", "=", own.id)], ["crm_health_band"], ["crm_health_band"]
        )["groups"]
        self.assertEqual([g["crm_health_band"] for g in groups], ["at_risk"])
        arch = Partner.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="crm_health"', arch)
        self.assertIn("action_crm_retention_start", arch)
        self.assertNotIn("action_crm_health_override", arch, "managers only")


class TestHealthSettingsPreview(HealthCommon):
    def test_preview_counts_bands_with_unsaved_settings(self):
        partner = self._customer("Preview", grade="S")
        self._contact(partner, 45)  # recency 75 -> healthy
        self._score(partner)
        with Form(self.env["res.config.settings"]) as form:
            before = form.crm_health_preview
            form.crm_health_healthy_from = 80
            after = form.crm_health_preview
            self.assertEqual(form.crm_health_weight_total, 100)
            form.crm_health_weight_recency = 40
            self.assertEqual(form.crm_health_weight_total, 110)
            form.crm_health_weight_recency = 30
        self.assertNotEqual(before, after)
        counts, current = self.env["res.partner"]._crm_health_preview_counts(
            self.company, self.env["res.partner"]._crm_health_weights(self.company), 80, 40
        )
        self.assertEqual(sum(counts.values()), sum(current.values()))
        self.assertGreaterEqual(counts.get("watch", 0), 1)
        # saved thresholds unchanged: a preview only
        self.assertEqual(self.company.crm_health_healthy_from, 70)


class TestHealthBacktest(HealthCommon):
    def test_backtest_precision_and_recall_on_a_fixed_data_set(self):
        """Month M (six months ago), its end E. A: at risk, churns E+90 (warned
        in time); B: at risk, never churns; C: healthy, churns E+100 (missed);
        D: healthy; E: at risk, churns E+30 (churned, but too soon to count in
        the recall). Precision 2/3, recall 1/2."""
        company = self.env["res.company"].create({"name": "Backtest Co"})
        month = (self.today - relativedelta(months=6)).replace(day=1)
        end = month + relativedelta(months=1) - timedelta(days=1)
        Snapshot = self.env["crm.standard.health.snapshot"]
        rows = {
            "A": ("at_risk", 90),
            "B": ("at_risk", None),
            "C": ("healthy", 100),
            "D": ("healthy", None),
            "E": ("at_risk", 30),
        }
        for name, (band, churn_after) in rows.items():
            partner = self.env["res.partner"].create(
                {"name": f"Backtest {name}", "is_company": True, "company_id": company.id}
            )
            vals = {"partner_id": partner.id, "company_id": company.id, "score": 50}
            Snapshot.create(
                {
                    **vals,
                    "date": month + timedelta(days=10),
                    "band": band,
                    "lifecycle_stage": "repeat",
                }
            )
            if churn_after:
                Snapshot.create(
                    {
                        **vals,
                        "date": end + timedelta(days=churn_after),
                        "band": "at_risk",
                        "lifecycle_stage": "churned",
                    }
                )
        self.env.flush_all()
        line = self.env["crm.standard.health.backtest"].search(
            [("company_id", "=", company.id), ("month", "=", month)]
        )
        self.assertEqual(
            (
                line.customer_count,
                line.at_risk_count,
                line.at_risk_churned_count,
                line.churned_count,
                line.caught_count,
                line.precision,
                line.recall,
            ),
            (5, 3, 2, 2, 1, 66.7, 50.0),
        )

    def test_demo_history_fills_the_backtest(self):
        lines = self.env["crm.standard.health.backtest"].search([])
        self.assertTrue(lines.filtered("at_risk_count"))
        self.assertTrue(lines.filtered("caught_count"))


class TestHealthConcurrency(TwoConnectionsCase):
    """Two cron workers on two real cursors: no duplicate snapshot, retention
    plan or digest."""

    def setUp(self):
        super().setUp()
        self.partner_ids = []
        self.addCleanup(self._cleanup)
        with self._committed_env({"tracking_disable": True, "crm_skip_grading": True}) as env:
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"Concurrent Health {i}",
                        "is_company": True,
                        "is_crm_customer": True,
                        "user_id": env.ref("base.user_admin").id,
                    }
                    for i in range(3)
                ]
            )
            env.flush_all()
            env.cr.execute(
                "UPDATE res_partner SET create_date = create_date - interval '200 days', "
                "customer_grade = 'C' WHERE id = ANY(%s)",
                [partners.ids],
            )
            self.partner_ids = partners.ids

    def _cleanup(self):
        with self._committed_env() as env:
            env["mail.message"].search([("subject", "=like", "Customers at risk:%")]).unlink()
            env["crm.standard.followup.plan"].search(
                [("partner_id", "in", self.partner_ids)]
            ).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

    def _cron(self, env):
        return env["res.partner"]._cron_crm_health(domain=[("id", "in", self.partner_ids)])

    def _counts(self):
        with self._committed_env() as env:
            return (
                env["crm.standard.health.snapshot"].search_count(
                    [("partner_id", "in", self.partner_ids)]
                ),
                env["crm.standard.followup.plan"].search_count(
                    [("partner_id", "in", self.partner_ids), ("crm_retention", "=", True)]
                ),
                env["crm.standard.followup.plan"].search_count(
                    [("partner_id", "in", self.partner_ids), ("crm_retention_notified", "=", True)]
                ),
            )

    def test_two_workers_at_once_score_each_customer_once(self):
        with self._two_workers() as (env1, env2):
            # worker 1 holds the customers (not committed yet); worker 2 skips them
            self._cron(env1)
            self._cron(env2)
            env1.cr.commit()
            env2.cr.commit()
        self.assertEqual(self._counts(), (3, 3, 3))

    def test_worker_with_an_older_snapshot_leaves_the_customers_to_the_first(self):
        with self._two_workers() as (env1, env2):
            env2.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # worker 2's snapshot
            self._cron(env1)
            env1.cr.commit()
            self._cron(env2)  # the customers changed since its snapshot: left alone
            env2.cr.commit()
        self.assertEqual(self._counts(), (3, 3, 3))
        with self._committed_env() as env:
            self._cron(env)  # a later run is idempotent
        self.assertEqual(self._counts(), (3, 3, 3))

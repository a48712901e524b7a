from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form

from .common import CrmStandardCommon


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

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .test_stage_history import StageCase


@tagged("post_install", "-at_install")
class TestPipelineReports(StageCase):
    """Each report's figures, read as the salesperson the way the pivot reads
    them (``read_group``), equal the same figures computed from ``crm.lead``
    through the ORM as that user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.standard.stage.rule"].search([]).active = False
        cls.colleague = cls._create_colleague()
        cls.campaign = cls.env["utm.campaign"].create(
            {"title": "Spring fair (t)", "crm_budget": 1000, "crm_cost": 500}
        )
        cls.source = cls.env["utm.source"].create({"name": "Fair (t)"})

    def _story(self, name, stages, user=None, lost=False, **vals):
        lead = self._lead(
            name,
            stage=stages[0],
            user_id=(user or self.user_salesman).id,
            campaign_id=self.campaign.id,
            source_id=self.source.id,
            **vals,
        )
        for stage in stages[1:]:
            lead.write({"stage_id": stage.id})
        if lost:
            lead.action_set_lost()
        return lead

    def _setup_pipeline(self):
        new, qual, prop, won = (
            self.stage_new,
            self.stage_qualified,
            self.stage_proposal,
            self.stage_won,
        )
        self._story("A", [new])
        self._story("B", [new, qual])
        self._story("C", [new, qual, prop], lost=True)
        self._story("D", [new, prop, won])  # skips Qualified
        self._story("E", [new, qual, prop, won])
        self._story("Theirs", [new, qual, prop, won], user=self.colleague)

    def _team_domain(self):
        return [("team_id", "=", self.team.id)]

    def test_funnel_counts_equal_the_leads_the_salesperson_sees(self):
        self._setup_pipeline()
        Report = self._as(self.user_salesman, "crm.standard.funnel.report")
        groups = {
            stage: (reached, went_on, won)
            for stage, reached, went_on, won in Report._read_group(
                self._team_domain(),
                ["stage_id"],
                ["reached_count:sum", "next_count:sum", "won_count:sum"],
            )
        }
        # the same from crm.lead and its history, through the ORM as the user
        leads = (
            self._as(self.user_salesman, "crm.lead")
            .with_context(active_test=False)
            .search(self._team_domain())
        )
        stages = [self.stage_new, self.stage_qualified, self.stage_proposal, self.stage_won]
        expected = {}
        for stage in stages:
            reached = leads.filtered(
                lambda lead, s=stage: (
                    max(lead.crm_stage_history_ids.to_stage_id.mapped("sequence")) >= s.sequence
                )
            )
            went_on = reached.filtered(
                lambda lead, s=stage: (
                    max(lead.crm_stage_history_ids.to_stage_id.mapped("sequence")) > s.sequence
                )
            )
            won = reached.filtered(lambda lead: lead.active and lead.stage_id.is_won)
            expected[stage] = (len(reached), len(went_on), len(won))
        self.assertEqual({s: groups.get(s) for s in stages}, expected)
        self.assertEqual(expected[self.stage_new], (5, 4, 2))  # the colleague's lead is not there
        self.assertEqual(expected[self.stage_qualified], (4, 3, 2))  # D skipped it: passed

    def test_funnel_median_days_in_stage_is_the_median_of_the_rows(self):
        self._setup_pipeline()
        History = self.env["crm.standard.stage.history"]
        rows = History.search(
            [("lead_id.team_id", "=", self.team.id), ("from_stage_id", "=", self.stage_new.id)]
        )
        self.assertEqual(len(rows), 5)  # every lead but A left New
        for days, row in zip([1, 2, 10, 20, 30], rows, strict=True):
            row.duration_seconds = days * 86400
        rows.flush_recordset()
        [(median, avg)] = self.env["crm.standard.funnel.report"]._read_group(
            self._team_domain()
            + [("stage_id", "=", self.stage_new.id), ("days_in_stage", "!=", False)],
            [],
            ["days_in_stage_median:avg", "days_in_stage:avg"],
        )
        self.assertAlmostEqual(median, 10.0)
        self.assertAlmostEqual(avg, 12.6)

    def test_conversion_rates_equal_the_leads_the_salesperson_sees(self):
        self._setup_pipeline()
        Report = self._as(self.user_salesman, "crm.standard.conversion.report")
        [(count, won, lost, win_rate)] = Report._read_group(
            self._team_domain(),
            [],
            ["lead_count:sum", "won_count:sum", "lost_count:sum", "win_rate:avg"],
        )
        Lead = self._as(self.user_salesman, "crm.lead").with_context(active_test=False)
        domain = self._team_domain()
        won_leads = Lead.search_count(
            domain + [("active", "=", True), ("stage_id.is_won", "=", True)]
        )
        lost_leads = Lead.search_count(domain + [("active", "=", False), ("probability", "=", 0)])
        self.assertEqual(count, Lead.search_count(domain))
        self.assertEqual((won, lost), (won_leads, lost_leads))
        self.assertAlmostEqual(win_rate, 100.0 * won_leads / (won_leads + lost_leads))
        self.assertEqual((count, won, lost), (5, 2, 1))

    def test_repurchase_rate_is_repeat_customers_over_buying_customers(self):
        repeat = self._create_customer("Repeat Co", user_id=self.user_salesman.id)
        once = self._create_customer("Once Co", user_id=self.user_salesman.id)
        old = fields.Datetime.now() - timedelta(days=500)
        for partner, closed in ((repeat, None), (repeat, None), (once, None), (once, old)):
            lead = self._lead(f"Deal {partner.name}", partner_id=partner.id)
            lead.write({"stage_id": self.stage_won.id})
            if closed:
                lead.date_closed = closed
        Report = self._as(self.user_salesman, "crm.standard.repurchase.report")
        rows = Report.search([("partner_id", "in", (repeat | once).ids)])
        self.assertEqual(
            {r.partner_id: (r.won_count_12m, r.won_count, r.repeat_count) for r in rows},
            {repeat: (2, 2, 1), once: (1, 2, 0)},
        )
        [(rate,)] = Report._read_group(
            [("partner_id", "in", (repeat | once).ids)], [], ["repurchase_rate:avg"]
        )
        self.assertAlmostEqual(rate, 50.0)

    def test_campaign_effect_counts_the_salespersons_leads_and_its_return(self):
        self._setup_pipeline()
        campaign = self._as(self.user_salesman, self.campaign)
        Lead = self._as(self.user_salesman, "crm.lead").with_context(active_test=False)
        domain = [("campaign_id", "=", self.campaign.id)]
        self.assertEqual(campaign.crm_lead_count, Lead.search_count(domain))
        self.assertEqual(campaign.crm_won_count, 2)
        self.assertEqual(campaign.crm_won_revenue, 2000)
        self.assertAlmostEqual(campaign.crm_conversion_rate, 40.0)
        self.assertEqual(campaign.crm_cost_per_lead, 100)
        self.assertAlmostEqual(campaign.crm_roi, 300.0)
        # the manager sees the colleague's won lead too
        self.assertEqual(self._as(self.user_sales_manager, self.campaign).crm_won_count, 3)

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CrmStandardCommon, TwoConnectionsCase


@tagged("post_install", "-at_install")
class TestLifecycle(CrmStandardCommon):
    def test_no_opportunity_is_potential(self):
        partner = self._create_customer(is_crm_customer=True)
        self.assertEqual(partner.lifecycle_stage, "potential")

    def test_open_opportunity_is_intent(self):
        partner = self._create_customer()
        self._create_opportunity(partner)
        self.assertEqual(partner.lifecycle_stage, "intent")

    def test_one_won_is_deal_then_second_won_is_repeat(self):
        partner = self._create_customer()
        first = self._create_opportunity(partner)
        first.action_set_won()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "deal")
        self.assertTrue(partner.last_won_date)
        self._create_opportunity(partner, won=True)
        self.assertEqual(partner.lifecycle_stage, "repeat")

    def test_mass_conversion_refreshes_customers_once_per_transaction(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Mass {i}", "is_company": True} for i in range(20)]
        )
        leads = self.env["crm.lead"].create(
            [{"name": f"L{i}", "type": "lead", "partner_id": p.id} for i, p in enumerate(partners)]
        )
        for lead in leads:
            lead.convert_opportunity(lead.partner_id)
        self.assertFalse(any(partners.mapped("customer_code")), "refresh waits for commit")
        queued = self.env.cr.precommit.data["crm_standard.customer_refresh"]
        self.assertEqual(queued["mark"], set(partners.ids))
        self._run_precommit()
        self.assertTrue(all(partners.mapped("customer_code")))
        self.assertEqual(set(partners.mapped("lifecycle_stage")), {"intent"})

    def test_won_on_contact_counts_for_company(self):
        company = self._create_customer()
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": company.id})
        self._create_opportunity(contact, won=True)
        self.assertEqual(company.lifecycle_stage, "deal")

    def test_lifecycle_stats_take_two_queries_whatever_the_batch_size(self):
        companies = self.env["res.partner"].create(
            [{"name": f"Stats {i}", "is_company": True} for i in range(6)]
        )
        contacts = self.env["res.partner"].create(
            [{"name": f"Buyer {i}", "parent_id": c.id} for i, c in enumerate(companies)]
        )
        for contact in contacts[:3]:
            self._create_opportunity(contact, won=True)
        self._create_opportunity(companies[3])
        self.env.flush_all()
        with self.assertQueryCount(2):
            small = companies[:2]._crm_lifecycle_stats()
        with self.assertQueryCount(2):
            stats = companies._crm_lifecycle_stats()
        self.assertEqual(small[companies[0].id], stats[companies[0].id])
        self.assertEqual([stats[c.id]["won"] for c in companies], [1, 1, 1, 0, 0, 0])
        self.assertEqual([stats[c.id]["open"] for c in companies], [0, 0, 0, 1, 0, 0])

    def test_lost_opportunity_goes_back_to_potential(self):
        partner = self._create_customer()
        lead = self._create_opportunity(partner)
        lead.action_set_lost()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "potential")

    def test_stage_change_is_tracked(self):
        partner = self._create_customer()
        self._flush_tracking()
        self._create_opportunity(partner)
        self._flush_tracking()
        values = partner.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "lifecycle_stage"
        )
        self.assertTrue(values)

    def test_manual_churn_holds_until_new_opportunity(self):
        partner = self._create_customer()
        self._create_opportunity(partner, won=True)
        partner.action_mark_churned()
        self.assertEqual(partner.lifecycle_stage, "churned")
        partner._crm_recompute_lifecycle()
        self.assertEqual(partner.lifecycle_stage, "churned", "recompute keeps a manual churn")
        lost = self._create_opportunity(partner)
        self.assertFalse(partner.lifecycle_churn_date, "a new opportunity lifts the mark")
        self.assertEqual(partner.lifecycle_stage, "deal")
        partner.action_mark_churned()
        lost.action_set_lost()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "churned", "losing a deal is no new business")

    def test_manual_churn_holds_through_moves_of_existing_opportunities(self):
        """Only new business lifts the mark: a new opportunity of the customer
        or one won. Moving an open one between stages, losing it, restoring
        it or handing it to another contact of the customer keeps it."""
        stage_qualified = self.env["crm.stage"].create({"name": "Qualified (test)", "sequence": 2})
        partner = self._create_customer()
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": partner.id})
        self._create_opportunity(partner, won=True)
        lead = self._create_opportunity(partner)
        partner.action_mark_churned()
        for vals in (
            {"stage_id": stage_qualified.id},
            {"probability": 55},
            {"partner_id": contact.id},
            {"stage_id": self.stage_new.id, "partner_id": partner.id},
        ):
            lead.write(dict(vals))  # Odoo adds to the dict it writes
            self._run_precommit()
            self.assertTrue(partner.lifecycle_churn_date, f"kept after {vals}")
            self.assertEqual(partner.lifecycle_stage, "churned", f"kept after {vals}")
        lead.action_set_lost()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "churned", "losing it keeps the mark")
        lead.action_unarchive()
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "churned", "restoring it is no new business")
        lead.action_set_won()
        self._run_precommit()
        self.assertFalse(partner.lifecycle_churn_date, "winning it lifts the mark")
        self.assertEqual(partner.lifecycle_stage, "repeat")

    def test_manual_churn_lifted_by_an_opportunity_becoming_the_customers(self):
        partner = self._create_customer()
        self._create_opportunity(partner, won=True)
        other = self._create_customer("Other Co")
        moved = self._create_opportunity(other)
        partner.action_mark_churned()
        moved.partner_id = partner
        self._run_precommit()
        self.assertFalse(partner.lifecycle_churn_date, "a new opportunity of the customer")
        self.assertEqual(partner.lifecycle_stage, "deal")
        partner.action_mark_churned()
        lead = self.env["crm.lead"].create(
            {"name": "Inbound", "type": "lead", "partner_id": partner.id}
        )
        self._run_precommit()
        self.assertEqual(partner.lifecycle_stage, "churned", "a lead is not an opportunity yet")
        lead.convert_opportunity(partner)
        self._run_precommit()
        self.assertFalse(partner.lifecycle_churn_date, "a lead converted to an opportunity")

    def test_opportunity_created_won_counts_its_creation_as_last_win(self):
        """Odoo sets ``date_closed`` on a stage write only: an opportunity
        created in a won stage was won when it was created."""
        self.company.crm_churn_months = 12
        now = fields.Datetime.now()
        partner = self._create_customer()
        lead = self._create_opportunity(partner, won=True)
        self.assertFalse(lead.date_closed)
        self.assertEqual(partner.last_won_date, now.date())
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s",
            [now - timedelta(days=400), lead.id],
        )
        self.env.invalidate_all()
        self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertEqual(partner.last_won_date, (now - timedelta(days=400)).date())
        self.assertEqual(partner.lifecycle_stage, "churned")
        # a closing date counts instead of the creation date, even an older one
        closed = self._create_opportunity(partner)
        closed.action_set_won()
        self._run_precommit()
        self.assertEqual(partner.last_won_date, now.date())
        closed.date_closed = now - timedelta(days=500)
        self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertEqual(partner.last_won_date, (now - timedelta(days=400)).date())

    def test_no_win_for_churn_period_is_churned_by_cron(self):
        self.company.crm_churn_months = 12
        partner = self._create_customer()
        lead = self._create_opportunity(partner, won=True)
        lead.date_closed = fields.Datetime.now() - timedelta(days=400)
        self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertEqual(partner.lifecycle_stage, "churned")
        self.company.crm_churn_months = 0
        self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertEqual(partner.lifecycle_stage, "deal", "0 months disables the rule")

    def test_lifecycle_cron_skips_a_failing_customer_and_goes_on(self):
        self.company.crm_churn_months = 12
        bad, good = self._create_customer("Bad Co"), self._create_customer("Good Co")
        for partner in bad | good:
            lead = self._create_opportunity(partner, won=True)
            lead.date_closed = fields.Datetime.now() - timedelta(days=400)
        Partner = type(self.env["res.partner"])
        original = Partner._crm_lifecycle_from_stats

        def failing(partner, entry, today):
            if partner.id == bad.id:
                raise ValueError("broken customer")
            return original(partner, entry, today)

        with (
            patch.object(Partner, "_crm_lifecycle_from_stats", failing),
            self.assertLogs(
                "odoo.addons.crm_standard.models.res_partner_lifecycle", "ERROR"
            ) as logs,
        ):
            self.env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertIn(str(bad.id), logs.output[0])
        self.assertEqual(good.lifecycle_stage, "churned")
        self.assertEqual(bad.lifecycle_stage, "deal")

    def test_negative_churn_months_rejected(self):
        with self.assertRaisesRegex(ValidationError, "Churn After"):
            self.company.crm_churn_months = -1


@tagged("post_install", "-at_install")
class TestLifecycleCronUnderLoad(TwoConnectionsCase):
    """The lifecycle cron beside users saving customers (found by bench/load):
    it never waits for a user's transaction nor fails on a customer a user
    just saved; it leaves that customer to the next run."""

    LOGGER = "odoo.addons.crm_standard.models.res_partner_lifecycle"

    def setUp(self):
        super().setUp()
        with self._committed_env({"tracking_disable": True}) as env:
            partners = env["res.partner"].create(
                [
                    {"name": f"Lifecycle Load {i}", "is_company": True, "is_crm_customer": True}
                    for i in range(2)
                ]
            )
            won = env["crm.stage"].search([("is_won", "=", True)], limit=1)
            env["crm.lead"].create(
                [
                    {"name": "Won", "type": "opportunity", "partner_id": p.id, "stage_id": won.id}
                    for p in partners
                ]
            )
            env.flush_all()
            env.cr.precommit.run()  # the lifecycle follows the won deals at commit
            env.flush_all()
            # stale stages: the cron has both customers to update
            env.cr.execute(
                "UPDATE res_partner SET lifecycle_stage = 'potential' WHERE id IN %s",
                [tuple(partners.ids)],
            )
            env.invalidate_all()
            self.busy_id, self.free_id = partners.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._committed_env() as env:
            ids = [self.busy_id, self.free_id]
            env["crm.lead"].with_context(active_test=False).search(
                [("partner_id", "in", ids)]
            ).unlink()
            env["res.partner"].browse(ids).unlink()

    def _stages(self):
        with self._committed_env() as env:
            env.cr.execute(
                "SELECT id, lifecycle_stage FROM res_partner WHERE id IN %s",
                [(self.busy_id, self.free_id)],
            )
            return dict(env.cr.fetchall())

    def test_cron_leaves_the_customer_a_user_is_saving_without_waiting(self):
        with self._two_workers(lock_timeout="2s") as (user_env, cron_env):
            # a user's save in progress holds the customer's row
            user_env.cr.execute(
                "UPDATE res_partner SET phone = '+86 21 1234 5678' WHERE id = %s",
                [self.busy_id],
            )
            with self.assertNoLogs(self.LOGGER, "WARNING"):
                cron_env["res.partner"]._cron_crm_recompute_lifecycle()
            cron_env.cr.commit()
            user_env.cr.commit()
        self.assertEqual(self._stages(), {self.busy_id: "potential", self.free_id: "deal"})

    def test_cron_with_an_older_snapshot_leaves_a_customer_a_user_just_saved(self):
        with self._two_workers() as (user_env, cron_env):
            cron_env.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # the cron's snapshot
            user_env.cr.execute(
                "UPDATE res_partner SET phone = '+86 21 1234 5678' WHERE id = %s",
                [self.busy_id],
            )
            user_env.cr.commit()
            # no error per customer: the batch is left to the next run
            with self.assertNoLogs(self.LOGGER, "WARNING"):
                cron_env["res.partner"]._cron_crm_recompute_lifecycle()
            cron_env.cr.commit()
        with self._committed_env() as env:
            env["res.partner"]._cron_crm_recompute_lifecycle()
        self.assertEqual(self._stages(), {self.busy_id: "deal", self.free_id: "deal"})

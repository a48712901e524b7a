import logging
from unittest.mock import patch

from .common import TwoConnectionsCase
from .test_customer_health import HealthCommon


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
        new = self.env["mail.message"].search([], order="id desc", limit=1)
        self.assertEqual(
            self.env["mail.message"].search_count([]),
            messages,
            f"{new.model} {new.res_id} {new.message_type} {new.subject} {new.body}",
        )
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

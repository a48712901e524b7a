# Two real cursors commit on purpose in TestKpiConcurrency (cleaned up after).
# pylint: disable=invalid-commit
import logging
from datetime import date

from odoo.tests import tagged

from .common import TwoConnectionsCase
from .test_kpi_measures import KpiCommon

DAY = date(2030, 5, 15)


@tagged("post_install", "-at_install")
class TestKpiCron(KpiCommon):
    def _kpis(self):
        return (
            self._kpi("completeness_avg")
            | self._kpi("completeness_avg", "team")
            | self._kpi("lead_conversion", "company")
            | self._kpi("pool_claims")
        )

    def _run(self, kpis, day=DAY):
        return self.Kpi._cron_crm_kpi(today=day, domain=[("id", "in", kpis.ids)])

    def _rows(self, kpis):
        return self.env["crm.standard.kpi.value"].search_read(
            [("kpi_id", "in", kpis.ids)], ["kpi_id", "date_from", "value", "status"], order="id"
        )

    def test_cron_stores_one_value_per_kpi_and_period(self):
        kpis = self._kpis()
        self.assertEqual(self._run(kpis), 4)
        rows = self._rows(kpis)
        self.assertEqual(len(rows), 4)
        self.assertEqual(kpis[0].last_value, 75.0)
        self.assertEqual({r["date_from"] for r in rows}, {date(2030, 5, 1)})

    def test_second_run_the_same_day_does_nothing_and_next_day_updates_the_period(self):
        kpis = self._kpis()
        self._run(kpis)
        before = self._rows(kpis)
        self.assertEqual(self._run(kpis), 0)
        self.assertEqual(self._rows(kpis), before)
        self.env.cr.execute(
            "UPDATE res_partner SET completeness_score = 100 WHERE id = %s", [self.mine[3].id]
        )
        self.env.invalidate_all()
        self.assertEqual(self._run(kpis, date(2030, 5, 16)), 4)
        after = self._rows(kpis)
        self.assertEqual([r["id"] for r in after], [r["id"] for r in before], "upsert, no new row")
        self.assertEqual(after[0]["value"], 90.0)

    def test_a_bad_kpi_is_logged_and_the_others_are_stored(self):
        kpis = self._kpis()
        bad = kpis[2]
        self.env.cr.execute("UPDATE crm_standard_kpi SET measure = 'gone' WHERE id = %s", [bad.id])
        self.env.invalidate_all()
        with self.assertLogs(
            "odoo.addons.crm_standard.models.crm_standard_kpi", logging.INFO
        ) as logs:
            self.assertEqual(self._run(kpis), 3)
        self.assertTrue(any(f"KPI {bad.id} skipped" in line for line in logs.output))
        self.assertEqual(len(self._rows(kpis)), 3)
        self.assertFalse(bad.last_date)

    def test_measures_query_count_does_not_grow_with_kpis_or_scopes(self):
        one = self._kpi("completeness_avg")
        many = one | self._kpis()[1:] | self._kpi("completeness_avg", user_id=self.colleague.id)
        one._crm_kpi_compute(self.date_from, self.date_to)
        with self.assertQueryCount(1):
            one._crm_kpi_compute(self.date_from, self.date_to)
        # one query per measure, whatever the scopes
        with self.assertQueryCount(3):
            many._crm_kpi_compute(self.date_from, self.date_to)

    def test_data_methods_are_read_only(self):
        Kpi = type(self.Kpi)
        for code in self.Kpi._crm_kpi_measures():
            method = getattr(Kpi, f"_crm_kpi_measure_{code}")
            self.assertTrue(getattr(method, "_readonly", False), code)
        self.assertTrue(Kpi._crm_kpi_compute._readonly)


@tagged("post_install", "-at_install")
class TestKpiConcurrency(TwoConnectionsCase):
    """Two cron workers on two real cursors: each KPI computed once."""

    def setUp(self):
        super().setUp()
        self.kpi_ids = []
        self.addCleanup(self._cleanup)
        with self._committed_env() as env:
            kpis = env["crm.standard.kpi"].create(
                [
                    {
                        "name": f"Concurrent KPI {i}",
                        "measure": measure,
                        "scope": "company",
                        "baseline_mode": "manual",
                        "target_input": 1,
                    }
                    for i, measure in enumerate(("pool_claims", "completeness_avg"))
                ]
            )
            self.kpi_ids = kpis.ids

    def _cleanup(self):
        with self._committed_env() as env:
            env["crm.standard.kpi"].browse(self.kpi_ids).unlink()

    def _cron(self, env, day=DAY):
        return env["crm.standard.kpi"]._cron_crm_kpi(today=day, domain=[("id", "in", self.kpi_ids)])

    def _count(self):
        with self._committed_env() as env:
            return env["crm.standard.kpi.value"].search_count([("kpi_id", "in", self.kpi_ids)])

    def test_two_workers_at_once_compute_each_kpi_once(self):
        with self._two_workers() as (env1, env2):
            # worker 1 holds the KPIs (not committed yet); worker 2 skips them
            self.assertEqual(self._cron(env1), 2)
            self.assertEqual(self._cron(env2), 0)
            env1.cr.commit()
            env2.cr.commit()
        self.assertEqual(self._count(), 2)

    def test_worker_with_an_older_snapshot_leaves_the_kpis_to_the_first(self):
        with self._two_workers() as (env1, env2):
            env2.cr.execute("SELECT 1 FROM crm_standard_kpi LIMIT 1")  # worker 2's snapshot
            self._cron(env1)
            env1.cr.commit()
            self.assertEqual(self._cron(env2), 0)
            env2.cr.commit()
        self.assertEqual(self._count(), 2)
        with self._committed_env() as env:
            self.assertEqual(self._cron(env), 0)  # a later run the same day: idempotent
        self.assertEqual(self._count(), 2)

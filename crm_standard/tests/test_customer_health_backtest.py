from datetime import timedelta

from dateutil.relativedelta import relativedelta

from .test_customer_health import HealthCommon


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

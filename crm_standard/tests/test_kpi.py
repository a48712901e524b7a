from datetime import date, timedelta

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import CrmStandardCommon

DAY = date(2030, 5, 15)  # the KPI runs of these tests: May 2030, Q2


@tagged("post_install", "-at_install")
class TestKpiRecords(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Kpi = cls.env["crm.standard.kpi"]
        cls.Value = cls.env["crm.standard.kpi.value"]
        cls.colleague = cls._create_colleague()
        customers = cls.env["res.partner"]
        for index in range(4):
            customers |= cls._create_customer(
                f"KPI Pool {index}", is_crm_customer=True, user_id=cls.user_salesman.id
            )
        cls.customers = customers

    def _claims(self, *days, user=None):
        self.env["crm.standard.pool.claim"].create(
            [
                {
                    "partner_id": self.customers[i % 4].id,
                    "user_id": (user or self.user_salesman).id,
                    "date": day,
                }
                for i, day in enumerate(days)
            ]
        )

    def _kpi(self, **vals):
        values = {
            "name": "Pool claims of Sally",
            "measure": "pool_claims",
            "scope": "user",
            "user_id": self.user_salesman.id,
            "baseline_mode": "manual",
            "target_input": 10,
            "owner_id": self.user_sales_manager.id,
        }
        values.update(vals)
        return self.Kpi.create(values)

    def _run(self, kpis, day=DAY):
        return self.Kpi._cron_crm_kpi(today=day, domain=[("id", "in", kpis.ids)])

    # -- shipped KPIs, form -----------------------------------------------------------
    def test_shipped_kpis_are_active_on_install(self):
        kpis = (
            self.env.ref("crm_standard.crm_standard_kpi_completeness")
            | self.env.ref("crm_standard.crm_standard_kpi_conversion")
            | self.env.ref("crm_standard.crm_standard_kpi_ticket_response")
        )
        self.assertEqual(kpis.mapped("active"), [True, True, True])
        self.assertEqual(
            [(k.measure, k.target_mode, k.target_input, k.direction) for k in kpis],
            [
                ("completeness_avg", "absolute", 90.0, "higher"),
                ("lead_conversion", "relative", 15.0, "higher"),
                ("ticket_first_response", "absolute", 2.0, "lower"),
            ],
        )

    def test_completeness_deadline_is_three_months_after_go_live(self):
        kpi = self.env.ref("crm_standard.crm_standard_kpi_completeness")
        kpi.company_id.crm_kpi_go_live_date = date(2030, 1, 10)
        self.assertEqual(kpi.deadline, date(2030, 4, 10))

    def test_form_measure_sets_unit_and_direction(self):
        form = Form(self.Kpi.with_user(self.user_sales_manager))
        form.name = "Tickets answered fast"
        form.measure = "ticket_first_response"
        self.assertEqual((form.unit, form.direction), ("hours", "lower"))
        form.target_input = 2
        kpi = form.save()
        self.assertEqual(kpi.target_value, 2.0)

    def test_salesperson_scope_needs_a_salesperson(self):
        with self.assertRaisesRegex(ValidationError, "Salesperson is required"):
            self._kpi(user_id=False)

    def test_status_and_last_value_are_set_by_the_system_only(self):
        kpi = self._kpi()
        with self.assertRaises(AccessError):
            kpi.with_user(self.user_sales_manager).write({"status": "on_track"})

    # -- baseline, target -----------------------------------------------------------------
    def test_baseline_captured_at_go_live_and_relative_target(self):
        self.company.crm_kpi_go_live_date = date(2030, 5, 1)
        # April: 2 claims (the baseline period); before and after do not count
        self._claims(date(2030, 3, 31), date(2030, 4, 1), date(2030, 4, 30), date(2030, 5, 2))
        kpi = self._kpi(baseline_mode="go_live", target_mode="relative", target_input=50)
        self.assertEqual(self._run(kpi, date(2030, 4, 29)), 1)
        self.assertFalse(kpi.baseline_date, "not before go-live")
        self.assertEqual(kpi.status, "no_data", "a relative target needs its baseline")
        self._run(kpi, DAY)
        self.assertEqual((kpi.baseline_value, kpi.baseline_date), (2.0, date(2030, 5, 1)))
        self.assertEqual(kpi.target_value, 3.0)
        self.assertEqual(kpi.last_value, 1.0)  # May to the 15th

    def test_typed_baseline_and_relative_target(self):
        kpi = self._kpi(baseline_value=40, target_mode="relative", target_input=15)
        self.assertEqual(kpi.target_value, 46.0)
        kpi.target_input = -25
        self.assertEqual(kpi.target_value, 30.0)

    # -- status -------------------------------------------------------------------------
    def test_status_from_target_deadline_and_trend(self):
        kpi = self._kpi(target_input=10, deadline=DAY + timedelta(days=60))
        status = kpi._crm_kpi_status
        self.assertEqual(status(None, None, DAY), "no_data")
        self.assertEqual(status(12, None, DAY), "on_track")
        # +2 a month: 8 by the deadline, short of 10
        self.assertEqual(status(4, 2, DAY), "at_risk")
        kpi.deadline = DAY + timedelta(days=100)  # 10.7 by then
        self.assertEqual(status(4, 2, DAY), "on_track")
        kpi.deadline = DAY - timedelta(days=1)
        self.assertEqual(status(4, 2, DAY), "missed")
        kpi.deadline = False
        self.assertEqual(status(4, 2, DAY), "at_risk")

    def test_status_lower_is_better(self):
        kpi = self._kpi(
            measure="ticket_first_response",
            direction="lower",
            target_input=2,
            deadline=DAY + timedelta(days=30),
        )
        self.assertEqual(kpi._crm_kpi_status(1.5, None, DAY), "on_track")
        self.assertEqual(kpi._crm_kpi_status(3, 5, DAY), "on_track")  # 1 h by the deadline
        self.assertEqual(kpi._crm_kpi_status(3, 3.2, DAY), "at_risk")

    def test_owner_told_once_when_the_kpi_turns_at_risk(self):
        kpi = self._kpi(target_input=10)

        def activities():
            return self.env["mail.activity"].search(
                [("res_model", "=", "crm.standard.kpi"), ("res_id", "=", kpi.id)]
            )

        self._run(kpi)
        self.assertEqual(kpi.status, "at_risk")
        self.assertEqual(activities().user_id, self.user_sales_manager)
        self._run(kpi, DAY + timedelta(days=1))
        self._run(kpi, DAY + timedelta(days=2))
        self.assertEqual(len(activities()), 1, "not again while it stays at risk")
        kpi.target_input = 0
        self._run(kpi, DAY + timedelta(days=3))
        self.assertEqual((kpi.status, kpi.at_risk_notified), ("on_track", False))
        kpi.target_input = 10
        self._run(kpi, DAY + timedelta(days=4))
        self.assertEqual(len(activities()), 2, "told again when it turns at risk again")

    def test_values_per_period_history(self):
        kpi = self._kpi(period="week")
        self._claims(DAY, DAY - timedelta(days=7))
        self._run(kpi, DAY - timedelta(days=7))
        self._run(kpi, DAY)
        self.assertEqual(
            [(v.date_from, v.date_to, v.value) for v in kpi.value_ids.sorted("date_from")],
            [
                (date(2030, 5, 6), date(2030, 5, 12), 1.0),
                (date(2030, 5, 13), date(2030, 5, 19), 1.0),
            ],
        )

    # -- access ---------------------------------------------------------------------------
    def test_salesperson_reads_the_kpis_of_their_own_scope_only(self):
        mine = self._kpi()
        theirs = self._kpi(user_id=self.colleague.id)
        company = self._kpi(scope="company", user_id=False)
        self._run(mine | theirs | company)
        Kpi = self._as(self.user_salesman, "crm.standard.kpi")
        self.assertEqual(Kpi.search([("id", "in", (mine | theirs | company).ids)]), mine)
        values = self._as(self.user_salesman, "crm.standard.kpi.value").web_search_read(
            [("kpi_id", "in", (mine | theirs | company).ids)], {"kpi_id": {}, "value": {}}
        )
        self.assertEqual([r["kpi_id"] for r in values["records"]], [mine.id])
        with self.assertRaises(AccessError):
            self._as(self.user_salesman, mine).write({"target_input": 1})

    def test_manager_manages_kpis_through_the_form(self):
        Kpi = self._as(self.user_sales_manager, "crm.standard.kpi")
        result = Kpi.web_save(
            {
                "name": "Team conversion",
                "measure": "lead_conversion",
                "scope": "company",
                "target_mode": "relative",
                "target_input": 15,
            },
            {"target_value": {}, "status": {}},
        )
        self.assertEqual(result[0]["status"], "no_data")
        kpi = Kpi.browse(result[0]["id"])
        kpi.action_crm_kpi_refresh()
        self.assertTrue(kpi.last_date)
        self.assertTrue(self._as(self.user_salesman_all, kpi).read(["name"]))
        with self.assertRaises(AccessError):
            self._as(self.user_salesman, kpi).action_crm_kpi_refresh()

    def test_status_change_is_tracked_in_the_chatter(self):
        kpi = self._kpi(target_input=0)
        self._run(kpi)
        self._run_precommit()
        tracked = kpi.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "status")
        self.assertTrue(tracked)

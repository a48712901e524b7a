from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CrmStandardCommon

CUSTOMER_DOMAIN = [("is_crm_customer", "=", True), ("parent_id", "=", False)]


class KpiCommon(CrmStandardCommon):
    """A fixed data set: four customers of the salesperson (in the KPI team),
    two of a colleague; their deals, lead messages, tickets, ratings,
    follow-up reminders and pool claims in a window of 21 days to today."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Kpi = cls.env["crm.standard.kpi"]
        cls.today = fields.Date.context_today(cls.Kpi)
        cls.date_from = cls.today - timedelta(days=20)
        cls.date_to = cls.today
        cls.colleague = cls._create_colleague()
        cls.team = cls.env["crm.team"].create(
            {"name": "KPI Team", "member_ids": [Command.link(cls.user_salesman.id)]}
        )
        sally, colin = cls.user_salesman, cls.colleague
        cls.mine = cls.env["res.partner"]
        for index in range(4):
            cls.mine |= cls._create_customer(
                f"KPI Mine {index}", is_crm_customer=True, user_id=sally.id
            )
        cls.theirs = cls.env["res.partner"]
        for index in range(2):
            cls.theirs |= cls._create_customer(
                f"KPI Theirs {index}", is_crm_customer=True, user_id=colin.id
            )
        c1, c2, c3, __ = cls.mine
        d1, __ = cls.theirs
        # deals: c1 won twice, c2 once, c3 lost (sally); d1 won (colin)
        for partner, won in ((c1, True), (c1, True), (c2, True), (c3, False), (d1, True)):
            lead = cls._create_opportunity(
                partner, user_id=partner.user_id.id, team_id=partner.user_id.sale_team_id.id
            )
            if won:
                lead.action_set_won()
            else:
                lead.action_set_lost()
        # lead first response: 2 h (a message) and 4 h (a done activity)
        cls.lead_a = cls._new_lead("KPI lead A", hours=6)
        cls.lead_b = cls._new_lead("KPI lead B", hours=6)
        note = cls.lead_a.with_user(sally).message_post(
            body="internal", subtype_xmlid="mail.mt_note", message_type="comment"
        )
        sent = cls.lead_a.with_user(sally).message_post(
            body="hello", subtype_xmlid="mail.mt_comment", message_type="comment"
        )
        other = cls.lead_b.message_post(
            body="not the salesperson", subtype_xmlid="mail.mt_comment", message_type="comment"
        )
        activity = cls.lead_b.activity_schedule("mail.mail_activity_data_call", user_id=sally.id)
        done = cls.env["mail.message"].browse(
            activity.with_user(sally).action_feedback(feedback="called")
        )
        cls._at(cls.lead_a, note, 1)
        cls._at(cls.lead_a, sent, 2)
        cls._at(cls.lead_b, other, 1)
        cls._at(cls.lead_b, done, 4)
        # customers' state now (stored computes, fixed here)
        cls._set(cls.mine, "completeness_score", [100, 100, 60, 40])
        cls._set(cls.mine, "crm_health_band", ["at_risk", "healthy", "watch", "at_risk"])
        cls._set(cls.mine, "customer_grade", ["S", "A", "B", None])
        cls._set(cls.mine, "lifecycle_stage", ["repeat", "deal", "churned", "potential"])
        cls._set(cls.theirs, "completeness_score", [100, 0])
        cls._set(cls.theirs, "crm_health_band", ["healthy", "healthy"])
        cls._set(cls.theirs, "customer_grade", ["C", "C"])
        cls._set(cls.theirs, "lifecycle_stage", ["deal", "potential"])
        # tickets of the agent (customers c1, c2) and of the service manager (d1)
        agent, service = cls.user_service_agent, cls.user_service_manager
        sla = cls.env["crm.standard.ticket.sla"].create(
            {"name": "KPI SLA", "response_hours": 2, "resolution_hours": 8}
        )
        Ticket = cls.env["crm.standard.ticket"]
        cls.tickets = Ticket.create(
            [
                {"name": f"KPI ticket {i}", "partner_id": partner.id, "user_id": user.id}
                for i, (partner, user) in enumerate(
                    ((c1, agent), (c2, agent), (c1, agent), (d1, service))
                )
            ]
        )
        received = datetime.combine(cls.today - timedelta(days=3), time(9))
        for ticket, hours, status, solved in zip(
            cls.tickets,
            (1.0, 3.0, None, 5.0),
            ("on_track", "breached", "at_risk", "on_track"),
            (True, True, True, False),
            strict=True,
        ):
            cls.env.flush_all()
            cls.env.cr.execute(
                """UPDATE crm_standard_ticket
                      SET date_received = %s, first_response_date = %s, first_response_hours = %s,
                          sla_id = %s, sla_status = %s, solve_date = %s, active = TRUE
                    WHERE id = %s""",
                [
                    received,
                    received + timedelta(hours=1) if hours else None,
                    hours or 0.0,
                    sla.id,
                    status,
                    received + timedelta(hours=6) if solved else None,
                    ticket.id,
                ],
            )
        model_id = cls.env["ir.model"]._get_id("crm.standard.ticket")
        cls.env["rating.rating"].create(
            [
                {"res_model_id": model_id, "res_id": ticket.id, "rating": rating, "consumed": True}
                for ticket, rating in zip(cls.tickets, (5, 3, 0, 1), strict=True)
            ]
        )
        # follow-up reminders of the salesperson: on time, late, open, dropped
        plan = cls.env["crm.standard.followup.plan"].create(
            {
                "partner_id": c1.id,
                "step_ids": [
                    Command.create(
                        {
                            "name": "Call",
                            "channel": "call",
                            "cadence_count": 1,
                            "cadence_unit": "months",
                            "next_due_date": cls.today,
                        }
                    )
                ],
            }
        )
        due = cls.today - timedelta(days=5)
        cls.env["crm.standard.followup.reminder"].create(
            [
                {
                    "step_id": plan.step_ids.id,
                    "plan_id": plan.id,
                    "partner_id": c1.id,
                    "user_id": sally.id,
                    "company_id": cls.company.id,
                    "due_date": due - timedelta(days=i),
                    "date": due - timedelta(days=i + 3),
                    "state": state,
                    "date_done": done,
                }
                for i, (state, done) in enumerate(
                    (
                        ("done", due),
                        ("done", due + timedelta(days=1)),
                        ("open", False),
                        ("cancelled", False),
                    )
                )
            ]
        )
        # pool claims: two by the salesperson in the window, one before
        Claim = cls.env["crm.standard.pool.claim"]
        Claim.create(
            [
                {"partner_id": c1.id, "user_id": sally.id, "date": cls.today},
                {"partner_id": c2.id, "user_id": sally.id, "date": cls.date_from},
                {"partner_id": c3.id, "user_id": sally.id, "date": cls.date_from - timedelta(1)},
            ]
        )
        cls.env.flush_all()
        cls.env.invalidate_all()

    @classmethod
    def _new_lead(cls, name, hours):
        lead = cls.env["crm.lead"].create(
            {"name": name, "type": "lead", "user_id": cls.user_salesman.id, "team_id": cls.team.id}
        )
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE crm_lead SET create_date = now() at time zone 'UTC' - %s * interval '1 hour' "
            "WHERE id = %s",
            [hours, lead.id],
        )
        lead.invalidate_recordset()
        return lead

    @classmethod
    def _at(cls, lead, messages, hours):
        """``messages`` dated ``hours`` after the lead's creation."""
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE mail_message SET date = %s WHERE id = ANY(%s)",
            [lead.create_date + timedelta(hours=hours), messages.ids],
        )
        messages.invalidate_recordset()

    @classmethod
    def _set(cls, partners, field, values):
        cls.env.flush_all()
        for partner, value in zip(partners, values, strict=True):
            cls.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET %s = %s WHERE id = %s",
                    SQL.identifier(field),
                    value,
                    partner.id,
                )
            )
        partners.invalidate_recordset()

    def _kpi(self, measure, scope="user", **vals):
        values = {"name": f"KPI {measure}", "measure": measure, "scope": scope}
        if scope == "user":
            values["user_id"] = self.user_salesman.id
        if scope == "team":
            values["team_id"] = self.team.id
        values.update(vals)
        return self.Kpi.create(values)

    def _values(self, measure):
        """The measure per scope: (salesperson, colleague, team, company)."""
        kpis = (
            self._kpi(measure)
            | self._kpi(measure, user_id=self.colleague.id)
            | self._kpi(measure, "team")
            | self._kpi(measure, "company")
        )
        values = kpis._crm_kpi_compute(self.date_from, self.date_to)
        return tuple(values[kpi.id] for kpi in kpis)


@tagged("post_install", "-at_install")
class TestKpiMeasures(KpiCommon):
    def _company_customers(self):
        return self.env["res.partner"].search(
            [*CUSTOMER_DOMAIN, ("company_id", "in", [self.company.id, False])]
        )

    def _share(self, records, predicate):
        return round(100.0 * len(records.filtered(predicate)) / len(records), 4)

    def test_completeness_full_share_per_scope(self):
        sally, colin, team, company = self._values("completeness_full")
        self.assertEqual((sally, colin, team), (50.0, 50.0, 50.0))
        customers = self._company_customers()
        self.assertEqual(company, self._share(customers, lambda p: p.completeness_score >= 100))

    def test_completeness_average_per_scope(self):
        sally, colin, team, company = self._values("completeness_avg")
        self.assertEqual((sally, colin, team), (75.0, 50.0, 75.0))
        customers = self._company_customers()
        expected = round(sum(customers.mapped("completeness_score")) / len(customers), 4)
        self.assertEqual(company, expected)

    def test_churn_at_risk_and_grade_mix_per_scope(self):
        self.assertEqual(self._values("churn_rate")[:3], (25.0, 0.0, 25.0))
        self.assertEqual(self._values("at_risk_share")[:3], (50.0, 0.0, 50.0))
        # graded customers only: S and A among S, A, B
        self.assertEqual(self._values("grade_mix")[:3], (66.6667, 0.0, 66.6667))
        customers = self._company_customers()
        self.assertEqual(
            self._values("at_risk_share")[3],
            self._share(customers, lambda p: p.crm_health_band == "at_risk"),
        )
        graded = customers.filtered("customer_grade")
        self.assertEqual(
            self._values("grade_mix")[3], self._share(graded, lambda p: p.customer_grade in "SA")
        )

    def test_lead_conversion_won_among_closed_in_the_period(self):
        sally, colin, team, company = self._values("lead_conversion")
        self.assertEqual((sally, colin, team), (75.0, 100.0, 75.0))
        start, end = self.Kpi._crm_kpi_window(self.date_from, self.date_to)
        closed = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("date_closed", ">=", start), ("date_closed", "<", end)])
            .filtered(
                lambda lead: (
                    (lead.active and lead.stage_id.is_won)
                    or (not lead.active and not lead.probability)
                )
            )
        )
        self.assertEqual(
            company, self._share(closed, lambda lead: lead.active and lead.stage_id.is_won)
        )

    def test_lead_first_response_counts_the_salesperson_message_or_done_activity(self):
        # lead A: the note at 1 h does not count, the message at 2 h does;
        # lead B: another author at 1 h does not count, the done call at 4 h does
        sally, colin, team, __ = self._values("lead_first_response")
        self.assertEqual((sally, colin, team), (3.0, None, 3.0))

    def test_ticket_first_response_sla_and_satisfaction_of_the_agent(self):
        agent = {"user_id": self.user_service_agent.id}
        kpis = (
            self._kpi("ticket_first_response", **agent)
            | self._kpi("sla_compliance", **agent)
            | self._kpi("satisfaction", **agent)
            | self._kpi("ticket_first_response", "team")
        )
        values = kpis._crm_kpi_compute(self.date_from, self.date_to)
        # answered: 1 h and 3 h; solved with an SLA: on track, breached, at risk;
        # rated: 5 and 3 (the 0 is no rating)
        self.assertEqual([values[k.id] for k in kpis], [2.0, 66.6667, 4.0, 2.0])

    def test_ticket_measures_of_the_company_match_the_ticket_lists(self):
        kpis = self._kpi("ticket_first_response", "company") | self._kpi(
            "sla_compliance", "company"
        )
        values = kpis._crm_kpi_compute(self.date_from, self.date_to)
        start, end = self.Kpi._crm_kpi_window(self.date_from, self.date_to)
        Ticket = self.env["crm.standard.ticket"]
        answered = Ticket.search(
            [
                ("first_response_date", "!=", False),
                ("date_received", ">=", start),
                ("date_received", "<", end),
            ]
        )
        solved = Ticket.search(
            [("sla_id", "!=", False), ("solve_date", ">=", start), ("solve_date", "<", end)]
        )
        self.assertEqual(
            [values[k.id] for k in kpis],
            [
                round(sum(answered.mapped("first_response_hours")) / len(answered), 4),
                self._share(solved, lambda t: t.sla_status != "breached"),
            ],
        )

    def test_repurchase_rate_as_the_repurchase_report(self):
        sally, colin, team, company = self._values("repurchase_rate")
        # c1 won twice, c2 once; d1 once
        self.assertEqual((sally, colin, team), (50.0, 0.0, 50.0))
        report = self.env["crm.standard.repurchase.report"].search(
            [("company_id", "in", [self.company.id, False])]
        )
        self.assertEqual(company, round(sum(report.mapped("repurchase_rate")) / len(report), 4))

    def test_followups_on_time_and_pool_claims(self):
        # due in the window, not dropped: on time, late, open
        self.assertEqual(self._values("followup_on_time")[:3], (33.3333, None, 33.3333))
        # claims on the first and last day of the window count, the day before does not
        self.assertEqual(self._values("pool_claims")[:3], (2.0, 0.0, 2.0))

    def test_salesperson_value_equals_their_own_lists(self):
        """The salesperson's scope is computed on the documents their record
        rules show them: the customers they own."""
        kpi = self._kpi("completeness_avg")
        self.env.invalidate_all()
        visible = (
            self.env["res.partner"]
            .with_user(self.user_salesman)
            .search([*CUSTOMER_DOMAIN, ("user_id", "=", self.user_salesman.id)])
        )
        self.assertEqual(visible, self.mine)
        expected = sum(visible.mapped("completeness_score")) / len(visible)
        value = kpi._crm_kpi_compute(self.date_from, self.date_to)[kpi.id]
        self.assertEqual(value, expected)

    def test_an_unknown_measure_method_is_a_clear_error(self):
        kpi = self._kpi("pool_claims")
        self.env.cr.execute("UPDATE crm_standard_kpi SET measure = 'gone' WHERE id = %s", [kpi.id])
        kpi.invalidate_recordset()
        with self.assertRaisesRegex(Exception, "_crm_kpi_measure_gone"):
            kpi._crm_kpi_compute(self.date_from, self.date_to)

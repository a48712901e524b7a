"""Customer health factors (客户健康度): the five factors, computed for a batch, and the
one translated sentence that explains each (extension points: ``_crm_health_factor_<name>``
and ``_crm_health_sentence_<name>``, see res_partner_health.py)."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.tools import SQL, format_amount

from ..tools import array_literal

# days of a cadence unit, for the contact a grade expects
CADENCE_DAYS = {"days": 1, "weeks": 7, "months": 30}
# channels of a follow-up step that are a contact with the customer
CONTACT_CHANNELS = ("visit", "call", "email")


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ---------------------------------------------------------------------
    # Factors: batch in, {partner id: {"score": 0-100 or None, ...}} out
    # ---------------------------------------------------------------------
    def _crm_health_cadences(self, keys):
        """``{(company id, grade, lifecycle stage): days}``: the shortest
        contact cadence (visit, call, e-mail) of the follow-up template of the
        grade, one template match per distinct key (not per customer)."""
        Template = self.env["crm.standard.followup.template"].sudo()
        default = self._crm_health_default_cadence()
        result = {}
        for key in keys:
            company_id, grade, stage = key
            probe = self.new(
                {"company_id": company_id, "customer_grade": grade, "lifecycle_stage": stage}
            )
            template = Template._crm_match(probe).get(probe)
            days = [
                step.cadence_count * CADENCE_DAYS[step.cadence_unit]
                for step in (template.step_ids if template else [])
                if step.cadence_unit in CADENCE_DAYS
                and step.channel in CONTACT_CHANNELS
                and step.cadence_count > 0
            ]
            result[key] = min(days) if days else default
        return result

    def _crm_health_factor_recency(self, today):
        """Days since the last completed contact against the grade's cadence:
        100 within the cadence, 0 at three cadences, linear between. A contact:
        an activity done (call, meeting, e-mail...) on the customer, one of its
        contacts or opportunities, a message sent to or received from it, a
        follow-up step done. Never contacted: counted from its creation."""
        comment = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        rows = self.env.execute_query(
            SQL(
                """
            SELECT c.id, c.company_id, c.customer_grade, c.lifecycle_stage, c.create_date::date,
                   GREATEST(
                (SELECT max(m.date) FROM mail_message m
                   JOIN res_partner cp ON cp.id = m.res_id
                  WHERE m.model = 'res.partner' AND cp.commercial_partner_id = c.id
                    AND (m.mail_activity_type_id IS NOT NULL OR m.message_type = 'email'
                         OR (m.message_type = 'comment' AND m.subtype_id = %(comment)s))),
                (SELECT max(m.date) FROM mail_message m
                   JOIN crm_lead l ON l.id = m.res_id
                  WHERE m.model = 'crm.lead' AND l.crm_commercial_partner_id = c.id
                    AND m.mail_activity_type_id IS NOT NULL),
                (SELECT max(s.last_contact_date) FROM crm_standard_followup_plan_step s
                  WHERE s.partner_id = c.id))::date
              FROM res_partner c WHERE c.id = ANY(%(ids)s::int[])
            """,
                comment=comment,
                ids=array_literal("int", self.ids),
            )
        )
        company = self.env.company.id
        cadences = self._crm_health_cadences(
            {(company_id or company, grade, stage) for _id, company_id, grade, stage, *_r in rows}
        )
        result = {}
        for pid, company_id, grade, stage, created, last in rows:
            cadence = cadences[company_id or company, grade, stage]
            days = (today - (last or created or today)).days
            late = max(days - cadence, 0)
            score = max(0.0, 100.0 - 100.0 * late / (2 * cadence))
            result[pid] = {
                "score": round(score, 1),
                "days": days,
                "never": not last,
                "cadence": cadence,
                "grade": grade or "",
            }
        return result

    def _crm_health_factor_business(self, today):
        """Won revenue of the last 12 months against the 12 months before (80
        points: as much or more earns them all) and an open pipeline (20).
        No data: no deal won in 24 months and nothing open."""
        now = fields.Datetime.to_datetime(today)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT l.crm_commercial_partner_id,
                   COALESCE(SUM(l.expected_revenue) FILTER (
                       WHERE s.is_won AND COALESCE(l.date_closed, l.create_date) >= %(y1)s), 0),
                   COALESCE(SUM(l.expected_revenue) FILTER (
                       WHERE s.is_won AND COALESCE(l.date_closed, l.create_date) < %(y1)s
                         AND COALESCE(l.date_closed, l.create_date) >= %(y2)s), 0),
                   COALESCE(SUM(l.expected_revenue) FILTER (
                       WHERE s.is_won IS NOT TRUE AND l.probability < 100), 0),
                   COUNT(*) FILTER (WHERE s.is_won IS NOT TRUE AND l.probability < 100)
              FROM crm_lead l
              LEFT JOIN crm_stage s ON s.id = l.stage_id
             WHERE l.crm_commercial_partner_id = ANY(%(ids)s::int[])
               AND l.type = 'opportunity' AND l.active
               AND (s.is_won IS NOT TRUE OR COALESCE(l.date_closed, l.create_date) >= %(y2)s)
          GROUP BY 1
            """,
                ids=array_literal("int", self.ids),
                y1=now - relativedelta(months=12),
                y2=now - relativedelta(months=24),
            )
        )
        result = dict.fromkeys(self.ids, None)
        for pid, last, before, pipeline, open_count in rows:
            last, before, pipeline = float(last), float(before), float(pipeline)
            if not (last or before or open_count):
                continue
            if before:
                trend = 80.0 * min(last / before, 1.0)
            else:
                trend = 80.0 if last else 0.0
            result[pid] = {
                "score": round(trend + (20.0 if open_count else 0.0), 1),
                "last": last,
                "before": before,
                "pipeline": pipeline,
                "open": open_count,
            }
        return {pid: data or {"score": None} for pid, data in result.items()}

    def _crm_health_factor_service(self, today):
        """100 minus 30 per open complaint and 20 per SLA breach of the last
        90 days. No data: no ticket in 12 months and none open."""
        now = fields.Datetime.to_datetime(today)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT t.commercial_partner_id,
                   COUNT(*) FILTER (WHERE t.ticket_type = 'complaint' AND t.is_closed IS NOT TRUE),
                   COUNT(*) FILTER (WHERE t.sla_status = 'breached' AND t.date_received >= %(d90)s)
              FROM crm_standard_ticket t
             WHERE t.commercial_partner_id = ANY(%(ids)s::int[]) AND t.active
               AND (t.date_received >= %(d365)s OR t.is_closed IS NOT TRUE)
          GROUP BY 1
            """,
                ids=array_literal("int", self.ids),
                d90=now - timedelta(days=90),
                d365=now - timedelta(days=365),
            )
        )
        result = {pid: {"score": None} for pid in self.ids}
        for pid, complaints, breaches in rows:
            result[pid] = {
                "score": float(max(0, 100 - 30 * complaints - 20 * breaches)),
                "complaints": complaints,
                "breaches": breaches,
            }
        return result

    def _crm_health_factor_satisfaction(self, today):
        """The latest 5 ratings (1-5) of the last 12 months given by the
        customer or its contacts (tickets, revisits): 1 is 0, 5 is 100."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT x.cid, AVG(x.rating), COUNT(*)
              FROM (SELECT p.commercial_partner_id AS cid, r.rating,
                           row_number() OVER (PARTITION BY p.commercial_partner_id
                                              ORDER BY r.write_date DESC, r.id DESC) AS rn
                      FROM rating_rating r
                      JOIN res_partner p ON p.id = r.partner_id
                     WHERE p.commercial_partner_id = ANY(%(ids)s::int[])
                       AND r.consumed AND r.rating > 0 AND r.write_date >= %(since)s) x
             WHERE x.rn <= 5
          GROUP BY x.cid
            """,
                ids=array_literal("int", self.ids),
                since=fields.Datetime.to_datetime(today) - timedelta(days=365),
            )
        )
        result = {pid: {"score": None} for pid in self.ids}
        for pid, average, count in rows:
            average = float(average)
            result[pid] = {
                "score": round(max(0.0, min(100.0, (average - 1.0) * 25.0)), 1),
                "average": round(average, 2),
                "count": count,
            }
        return result

    def _crm_health_factor_discipline(self, today):
        """100 minus 25 per overdue reminder of the customer's approved plans.
        No data: no approved plan. Retention plans are left out: a plan the
        score itself started must not lift the score (nor flip the band back)."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.partner_id, COUNT(r.id)
              FROM crm_standard_followup_plan p
              LEFT JOIN crm_standard_followup_reminder r
                ON r.plan_id = p.id AND r.state = 'open' AND r.due_date < %(today)s
             WHERE p.partner_id = ANY(%(ids)s::int[]) AND p.state = 'approved'
               AND p.crm_retention IS NOT TRUE
          GROUP BY 1
            """,
                ids=array_literal("int", self.ids),
                today=today,
            )
        )
        result = {pid: {"score": None} for pid in self.ids}
        for pid, overdue in rows:
            result[pid] = {"score": float(max(0, 100 - 25 * overdue)), "overdue": overdue}
        return result

    # ---------------------------------------------------------------------
    # Sentences (read time, in the reader's language)
    # ---------------------------------------------------------------------
    def _crm_health_sentence_recency(self, data):
        if data.get("never"):
            return self.env._(
                "no contact recorded in %(days)s days; expected every %(cadence)s days",
                days=data["days"],
                cadence=data["cadence"],
            )
        if data.get("grade"):
            return self.env._(
                "last contact %(days)s days ago; a %(grade)s customer expects contact "
                "every %(cadence)s days",
                days=data["days"],
                grade=data["grade"],
                cadence=data["cadence"],
            )
        return self.env._(
            "last contact %(days)s days ago; expected every %(cadence)s days",
            days=data["days"],
            cadence=data["cadence"],
        )

    def _crm_health_sentence_business(self, data):
        currency = (self.company_id or self.env.company).currency_id
        return self.env._(
            "won %(last)s in the last 12 months against %(before)s the 12 months before; "
            "%(open)s open opportunities worth %(pipeline)s",
            last=format_amount(self.env, data["last"], currency),
            before=format_amount(self.env, data["before"], currency),
            open=data["open"],
            pipeline=format_amount(self.env, data["pipeline"], currency),
        )

    def _crm_health_sentence_service(self, data):
        return self.env._(
            "%(complaints)s open complaints, %(breaches)s SLA breaches in the last 90 days",
            complaints=data["complaints"],
            breaches=data["breaches"],
        )

    def _crm_health_sentence_satisfaction(self, data):
        return self.env._(
            "average rating %(average)s / 5 over the latest %(count)s ratings",
            average=data["average"],
            count=data["count"],
        )

    def _crm_health_sentence_discipline(self, data):
        return self.env._(
            "%(overdue)s overdue follow-up reminders on the approved plan",
            overdue=data["overdue"],
        )

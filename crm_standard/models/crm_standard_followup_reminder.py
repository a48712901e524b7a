"""Follow-up reminders (跟进提醒): the log of the activities made from plan steps.

One row per (step, due date), enforced by a unique index: the reminder cron
inserts the rows with ``ON CONFLICT DO NOTHING`` and only creates activities
for the rows it inserted, so a second run on the same day, or a second worker
running at the same time, creates no duplicate. The rows also count the
touches of a customer per period (touch limit) and feed the overdue digest.
"""

import logging
from collections import Counter, defaultdict
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL, date_utils, format_date

from ..tools import CONCURRENCY_ERRORS, array_literal, unnest_sql

_logger = logging.getLogger(__name__)

REMINDER_STATES = [("open", "Open"), ("done", "Done"), ("cancelled", "Dropped")]


def period_bounds(day, period):
    """First day of the touch period holding ``day`` and of the next one.

    ``period`` is a touch period: "week", "month" or "quarter".
    """
    return date_utils.start_of(day, period), date_utils.end_of(day, period) + timedelta(days=1)


class CrmStandardFollowupReminder(models.Model):
    _name = "crm.standard.followup.reminder"
    _description = "Follow-up Reminder"
    _order = "due_date desc, id desc"
    _rec_name = "step_id"

    step_id = fields.Many2one("crm.standard.followup.plan.step", required=True, ondelete="cascade")
    plan_id = fields.Many2one(
        "crm.standard.followup.plan", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one("res.partner", "Customer", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", index=True)
    user_id = fields.Many2one("res.users", "Responsible", index=True)
    due_date = fields.Date(required=True)
    date = fields.Date(
        "Reminded On", required=True, help="Day the reminder was created (touch date)."
    )
    activity_id = fields.Many2one("mail.activity", ondelete="set null", index="btree_not_null")
    state = fields.Selection(REMINDER_STATES, default="open", required=True, index=True)
    date_done = fields.Date("Done On")
    overdue_notified = fields.Boolean(
        help="Already reported to the approving manager in an overdue digest."
    )

    def init(self):
        tools.create_unique_index(
            self.env.cr,
            "crm_standard_followup_reminder_step_due_uniq",
            self._table,
            ["step_id", "due_date"],
        )
        tools.create_index(
            self.env.cr,
            "crm_standard_followup_reminder_partner_date_idx",
            self._table,
            ["partner_id", "date"],
        )

    # ---------------------------------------------------------------------
    # Activity feedback
    # ---------------------------------------------------------------------
    def _crm_close(self, contacted):
        """The activities of the open reminders of ``self`` were done (or dropped).

        Done: the step records the contact date and moves to its next due date.
        Dropped (activity deleted): the occurrence is skipped, no contact date.
        """
        today = fields.Date.context_today(self)
        reminders = self.filtered(lambda r: r.state == "open")
        if not reminders:
            return
        reminders.write({"state": "done" if contacted else "cancelled", "date_done": today})
        reminders.step_id.filtered(lambda s: s.activity_id in reminders.activity_id)._crm_advance(
            today, contacted=contacted
        )

    # ---------------------------------------------------------------------
    # Reminder cron
    # ---------------------------------------------------------------------
    @api.model
    def _crm_activity_context(self):
        """Context of the reminder activities' creation.

        By default the assignees are not e-mailed one message per reminder:
        the activities show in their activity menu and in "My follow-ups
        today". Override to return ``{}`` to notify each assignment.
        """
        return {"mail_activity_quick_update": True}

    @api.model
    def _crm_due_where(self, today, exclude_ids=()):
        return SQL(
            """p.state = 'approved' AND s.done IS NOT TRUE AND s.activity_id IS NULL
               AND s.next_due_date <= %(today)s
               AND (p.reminder_error_date IS NULL OR p.reminder_error_date < %(today)s)
               %(exclude)s""",
            today=today,
            exclude=SQL("AND s.id NOT IN %s", tuple(exclude_ids)) if exclude_ids else SQL(),
        )

    @api.model
    def _crm_count_due(self, today):
        self.env.cr.execute(
            SQL(
                """SELECT count(*) FROM crm_standard_followup_plan_step s
                 JOIN crm_standard_followup_plan p ON p.id = s.plan_id WHERE %s""",
                self._crm_due_where(today),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _crm_claim_due_steps(self, today, limit, exclude_ids=(), plan_ids=None):
        """Lock and return up to ``limit`` due steps of approved plans.

        ``FOR NO KEY UPDATE SKIP LOCKED``: steps another worker is processing
        are left to it. One query whatever the batch size.
        """
        self.env.cr.execute(
            SQL(
                """
            SELECT s.id AS step_id, s.plan_id, p.partner_id, p.company_id,
                   s.next_due_date AS due_date, COALESCE(s.user_id, p.approver_id) AS user_id,
                   s.activity_type_id, s.name, s.note, p.touch_limit, p.touch_period
              FROM crm_standard_followup_plan_step s
              JOIN crm_standard_followup_plan p ON p.id = s.plan_id
             WHERE %(where)s %(plans)s
          ORDER BY s.next_due_date, s.plan_id, s.sequence, s.id
             LIMIT %(limit)s
               FOR NO KEY UPDATE OF s SKIP LOCKED
            """,
                where=self._crm_due_where(today, exclude_ids),
                plans=SQL("AND s.plan_id IN %s", tuple(plan_ids)) if plan_ids else SQL(),
                limit=limit,
            )
        )
        return self.env.cr.dictfetchall()

    @api.model
    def _crm_touch_counts(self, partner_ids, today):
        """``{(partner id, period): reminders so far}`` for the current periods."""
        if not partner_ids:
            return {}
        starts = {
            period: period_bounds(today, period)[0] for period in ("week", "month", "quarter")
        }
        self.env.cr.execute(
            SQL(
                """
            SELECT partner_id,
                   count(*) FILTER (WHERE date >= %(week)s),
                   count(*) FILTER (WHERE date >= %(month)s),
                   count(*) FILTER (WHERE date >= %(quarter)s)
              FROM crm_standard_followup_reminder
             WHERE partner_id IN %(partners)s AND state != 'cancelled'
               AND date >= %(since)s
          GROUP BY partner_id
            """,
                week=starts["week"],
                month=starts["month"],
                quarter=starts["quarter"],
                partners=tuple(partner_ids),
                since=min(starts.values()),
            )
        )
        counts = {}
        for partner_id, week, month, quarter in self.env.cr.fetchall():
            counts.update(
                {
                    (partner_id, "week"): week,
                    (partner_id, "month"): month,
                    (partner_id, "quarter"): quarter,
                }
            )
        return counts

    @api.model
    def _crm_apply_touch_limits(self, rows, today):
        """Split claimed rows into (to remind, {step id: (new due date, reason)})."""
        limited = {row["partner_id"] for row in rows if row["touch_limit"]}
        counts = self._crm_touch_counts(list(limited), today)
        periods = dict(
            self.env["crm.standard.followup.plan"]
            ._fields["touch_period"]
            ._description_selection(self.env)
        )
        keep, postponed = [], {}
        for row in rows:
            limit, period = row["touch_limit"], row["touch_period"]
            if not limit:
                keep.append(row)
                continue
            key = (row["partner_id"], period)
            used = counts.get(key, 0)
            if used < limit:
                counts[key] = used + 1
                keep.append(row)
                continue
            next_start = period_bounds(today, period)[1]
            postponed[row["step_id"]] = (
                next_start,
                self.env._(
                    "touch limit of %(limit)s per %(period)s reached on %(date)s; "
                    "postponed from %(old)s to %(new)s",
                    limit=limit,
                    period=periods.get(period, period).lower(),
                    date=format_date(self.env, today),
                    old=format_date(self.env, row["due_date"]),
                    new=format_date(self.env, next_start),
                ),
            )
        return keep, postponed

    @api.model
    def _crm_remind_rows(self, rows, today):
        """Turn claimed due steps into reminders and activities, set-based.

        A constant number of queries for the batch: touch counts, one INSERT
        ... ON CONFLICT DO NOTHING of the reminders, one batched
        ``mail.activity.create``, two UPDATE ... FROM unnest() for the links,
        one for the postponed steps (the second also clears the plans'
        ``reminder_error``). Returns the new reminders.
        """
        keep, postponed = self._crm_apply_touch_limits(rows, today)
        Step = self.env["crm.standard.followup.plan.step"]
        cr = self.env.cr
        if postponed:
            cr.execute(
                SQL(
                    """UPDATE crm_standard_followup_plan_step s
                      SET next_due_date = v.due, postponed_reason = v.reason,
                          write_date = (now() at time zone 'UTC'), write_uid = %s
                     FROM %s AS v(id, due, reason) WHERE s.id = v.id""",
                    self.env.uid,
                    unnest_sql(
                        [
                            ("int", list(postponed)),
                            ("date", [due for due, _reason in postponed.values()]),
                            ("varchar", [reason for _due, reason in postponed.values()]),
                        ]
                    ),
                )
            )
            steps = Step.browse(list(postponed))
            steps.invalidate_recordset(["next_due_date", "postponed_reason"])
            steps.modified(["next_due_date", "postponed_reason"])
        if not keep:
            return self.browse()
        by_step = {row["step_id"]: row for row in keep}
        cr.execute(
            SQL(
                """INSERT INTO crm_standard_followup_reminder
                   (step_id, plan_id, partner_id, company_id, user_id, due_date, date, state,
                    overdue_notified, create_uid, create_date, write_uid, write_date)
                SELECT v.step, v.plan, v.partner, v.company, v.usr, v.due, %s, 'open', false,
                       %s, now() at time zone 'UTC', %s, now() at time zone 'UTC'
                  FROM %s AS v(step, plan, partner, company, usr, due)
               ON CONFLICT (step_id, due_date) DO NOTHING
               RETURNING id, step_id""",
                today,
                self.env.uid,
                self.env.uid,
                unnest_sql(
                    [
                        *(
                            ("int", [row[key] for row in keep])
                            for key in ("step_id", "plan_id", "partner_id", "company_id", "user_id")
                        ),
                        ("date", [row["due_date"] for row in keep]),
                    ]
                ),
            )
        )
        inserted = cr.fetchall()
        if not inserted:
            return self.browse()
        model_id = self.env["ir.model"]._get_id("res.partner")
        # one read of the customers' names (activities compute res_name one by one)
        self.env["res.partner"].browse({by_step[sid]["partner_id"] for _r, sid in inserted}).mapped(
            "display_name"
        )
        vals_list = [
            {
                "res_model_id": model_id,
                "res_id": by_step[step_id]["partner_id"],
                "activity_type_id": by_step[step_id]["activity_type_id"],
                "summary": by_step[step_id]["name"],
                "note": by_step[step_id]["note"],
                "user_id": by_step[step_id]["user_id"],
                "date_deadline": by_step[step_id]["due_date"],
            }
            for _rid, step_id in inserted
        ]
        activities = self._crm_create_activities(vals_list)
        links = [
            (rid, step_id, activity.id)
            for (rid, step_id), activity in zip(inserted, activities, strict=False)
        ]
        values = unnest_sql([("int", [link[i] for link in links]) for i in range(3)])
        cr.execute(
            SQL(
                """UPDATE crm_standard_followup_reminder r SET activity_id = v.activity
                 FROM %s AS v(id, step, activity) WHERE r.id = v.id""",
                values,
            )
        )
        # the plans got their reminders: an error of an earlier run is over
        # (same statement: the query count does not grow)
        plan_ids = list({by_step[sid]["plan_id"] for _r, sid, _a in links})
        cr.execute(
            SQL(
                """WITH cleared AS (
                    UPDATE crm_standard_followup_plan p
                       SET reminder_error = NULL, reminder_error_date = NULL
                     WHERE p.id = ANY(%s::int[])
                       AND (p.reminder_error IS NOT NULL OR p.reminder_error_date IS NOT NULL))
                UPDATE crm_standard_followup_plan_step s
                  SET activity_id = v.activity, postponed_reason = NULL
                 FROM %s AS v(id, step, activity) WHERE s.id = v.step""",
                array_literal("int", plan_ids),
                values,
            )
        )
        self.env["crm.standard.followup.plan"].browse(plan_ids).invalidate_recordset(
            ["reminder_error", "reminder_error_date"]
        )
        reminders = self.browse([rid for rid, _s, _a in links])
        reminders.invalidate_recordset(["activity_id"])
        steps = Step.browse([sid for _r, sid, _a in links])
        steps.invalidate_recordset(["activity_id", "postponed_reason"])
        steps.modified(["activity_id", "postponed_reason"])
        return reminders

    @api.model
    def _crm_create_activities(self, vals_list):
        """``mail.activity.create(vals_list)``, the activities in the order of
        ``vals_list``. Odoo subscribes the assignee of each activity to its
        record once per activity: two reminders of one customer for one user
        in one create (two steps due the same day) would insert the same
        follower twice (unique violation: the plan skipped). The n-th
        reminder of a (customer, user) goes in the n-th create, which finds
        the follower; one create when there is no such pair."""
        Activity = self.env["mail.activity"].sudo().with_context(**self._crm_activity_context())
        rounds, seen = defaultdict(list), Counter()
        for index, vals in enumerate(vals_list):
            key = (vals["res_id"], vals["user_id"])
            rounds[seen[key]].append(index)
            seen[key] += 1
        if len(rounds) == 1:
            return Activity.create(vals_list)
        ids = [None] * len(vals_list)
        for indexes in rounds.values():
            created = Activity.create([vals_list[i] for i in indexes])
            for index, activity in zip(indexes, created, strict=True):
                ids[index] = activity.id
        return Activity.browse(ids)

    @api.model
    def _crm_mark_plans_failed(self, plan_ids, error, today):
        plans = self.env["crm.standard.followup.plan"].browse(plan_ids)
        plans.write({"reminder_error": error, "reminder_error_date": today})

    @api.model
    def _crm_remind_batch(self, rows, today, skipped):
        """One batch in a savepoint; on an unexpected error, plan by plan.

        A broken plan is logged, flagged (``reminder_error``) and skipped until
        tomorrow; the other plans proceed.
        """
        try:
            with self.env.cr.savepoint():
                return self._crm_remind_rows(rows, today)
        except CONCURRENCY_ERRORS:
            _logger.info(
                "crm_standard: follow-up steps %s taken by another worker",
                [row["step_id"] for row in rows],
            )
            skipped.update(row["step_id"] for row in rows)
            return self.browse()
        except Exception:  # noqa: BLE001 - isolate the broken plan below
            _logger.info("crm_standard: follow-up batch failed, retrying plan by plan")
        by_plan = defaultdict(list)
        for row in rows:
            by_plan[row["plan_id"]].append(row)
        reminders = self.browse()
        for plan_id, plan_rows in by_plan.items():
            try:
                with self.env.cr.savepoint():
                    reminders |= self._crm_remind_rows(plan_rows, today)
            except CONCURRENCY_ERRORS:
                skipped.update(row["step_id"] for row in plan_rows)
            except Exception as exc:
                _logger.exception("crm_standard: follow-up plan %s skipped", plan_id)
                skipped.update(row["step_id"] for row in plan_rows)
                self._crm_mark_plans_failed([plan_id], str(exc), today)
        return reminders

    @api.model
    def _cron_crm_send_reminders(self, batch_size=1000, max_batches=10):
        """Daily: due steps of approved plans become activities on the customer.

        Batches of ``batch_size`` steps, progress reported to the cron after
        each; after ``max_batches`` the cron runs again in a new transaction.
        Idempotent and safe with concurrent workers (see the module docstring).
        """
        today = fields.Date.context_today(self)
        self.env.flush_all()
        total = self._crm_count_due(today)
        done, skipped = 0, set()
        reminders = self.browse()
        for _batch in range(max_batches):
            try:
                with self.env.cr.savepoint():
                    rows = self._crm_claim_due_steps(today, batch_size, skipped)
            except CONCURRENCY_ERRORS:
                # due steps in our snapshot were just processed by another
                # worker: leave the rest to a run in a new transaction
                _logger.info("crm_standard: follow-up reminders running in another worker")
                break
            if not rows:
                total = done
                break
            reminders |= self._crm_remind_batch(rows, today, skipped)
            self.env.flush_all()
            done += len(rows)
            self.env["ir.cron"]._notify_progress(done=done, remaining=max(total - done, 0))
        else:
            _logger.info("crm_standard: %s follow-up steps left for the next run", total - done)
        self.env["ir.cron"]._notify_progress(done=done, remaining=max(total - done, 0))
        return reminders

    # ---------------------------------------------------------------------
    # Overdue digest
    # ---------------------------------------------------------------------
    @api.model
    def _cron_crm_overdue_digest(self):
        """Daily: one message per approving manager listing the reminders of
        approved plans overdue by the company's number of days; each reminder
        reported once."""
        today = fields.Date.context_today(self)
        reminders = self.sudo().search(
            [
                ("state", "=", "open"),
                ("overdue_notified", "=", False),
                # reminders of closed plans are no longer due
                ("plan_id.state", "=", "approved"),
                ("plan_id.approver_id", "!=", False),
                ("due_date", "<", today),
            ],
            order="plan_id, due_date, id",
        )
        reminders = reminders.filtered(
            lambda r: (
                r.due_date
                < today
                - timedelta(days=(r.company_id or self.env.company).crm_followup_overdue_days)
            )
        )
        by_manager = defaultdict(self.browse)
        for reminder in reminders:
            by_manager[reminder.plan_id.approver_id] |= reminder
        for manager, items in by_manager.items():
            items._crm_send_overdue_digest(manager, today)
        reminders.write({"overdue_notified": True})
        return len(by_manager)

    def _crm_send_overdue_digest(self, manager, today):
        """Post one digest of the overdue reminders of ``self`` to ``manager``."""
        lang_self = self.with_context(lang=manager.lang or self.env.lang)
        rows = [
            {
                "customer": r.partner_id.display_name,
                "step": r.step_id.name,
                "user": r.user_id.name or "",
                "due": format_date(lang_self.env, r.due_date),
                "days": (today - r.due_date).days,
            }
            for r in self
        ]
        body = self.env["ir.qweb"]._render(
            "crm_standard.followup_overdue_digest",
            {
                "rows": rows,
                "manager": manager,
            },
            minimal_qcontext=True,
        )
        self.env["mail.thread"].sudo().message_notify(
            partner_ids=manager.partner_id.ids,
            subject=lang_self.env._("Overdue follow-ups: %(count)s", count=len(self)),
            body=body,
            model_description=lang_self.env._("Follow-up"),
        )

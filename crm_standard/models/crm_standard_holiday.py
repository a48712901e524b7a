from datetime import timedelta

from odoo import api, fields, models


class CrmStandardHoliday(models.Model):
    """A holiday of the greeting list (Spring Festival, Mid-Autumn, National Day...), per year."""

    _name = "crm.standard.holiday"
    _description = "Greeting Holiday"
    _order = "date"

    name = fields.Char(required=True, translate=True)
    date = fields.Date(required=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    active = fields.Boolean(default=True)

    @api.model
    def _cron_crm_greetings(self):
        """Greeting activities for the salespeople, N days before a holiday or a
        customer's founding anniversary; idempotent (one per customer, occasion, day)."""
        today = fields.Date.context_today(self)
        Activity = self.env["mail.activity"].sudo()
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        done = 0
        for company in self.env["res.company"].search([("crm_greeting_enabled", "=", True)]):
            day = today + timedelta(days=company.crm_greeting_days_before)
            customers = self.env["res.partner"].search(
                [
                    ("is_crm_customer", "=", True),
                    ("user_id", "!=", False),
                    ("crm_greeting_opt_out", "=", False),
                    ("company_id", "in", (company.id, False)),
                ]
            )
            occasions = []  # (partner, summary)
            for holiday in self.search(
                [("date", "=", day), ("company_id", "in", (company.id, False))]
            ):
                occasions += [(p, self.env._("Greeting: %(h)s", h=holiday.name)) for p in customers]
            for partner in customers.filtered("founding_date"):
                founded = partner.founding_date
                if (founded.month, founded.day) == (day.month, day.day) and founded < day:
                    occasions.append((partner, self.env._("Greeting: founding anniversary")))
            existing = {
                (a.res_id, a.summary)
                for a in Activity.search(
                    [
                        ("res_model", "=", "res.partner"),
                        ("res_id", "in", [p.id for p, __ in occasions]),
                        ("date_deadline", "=", day),
                        ("summary", "like", "%:%"),
                    ]
                )
            }
            values = [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": todo_type.id,
                    "summary": summary,
                    "date_deadline": day,
                    "user_id": partner.user_id.id,
                }
                for partner, summary in occasions
                if (partner.id, summary) not in existing
            ]
            Activity.with_context(mail_activity_quick_update=True).create(values)
            done += len(values)
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        return done

from datetime import timedelta

from odoo import api, fields, models

GREETING_MODES = [
    ("activity", "Activity for the Salesperson"),
    ("mail", "E-mail to the Customer"),
]


class CrmStandardHoliday(models.Model):
    """A holiday of the greeting list (Spring Festival, Mid-Autumn, National Day...), per year."""

    _name = "crm.standard.holiday"
    _description = "Greeting Holiday"
    _order = "date"

    name = fields.Char(required=True, translate=True)
    date = fields.Date(required=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    active = fields.Boolean(default=True)
    greeting_mode = fields.Selection(
        [("company", "As in the Settings"), *GREETING_MODES],
        "Greeting",
        default="company",
        required=True,
        help="An activity for the salesperson, or the greeting e-mail sent to the "
        "customer; 'As in the Settings' follows the company's choice.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        "Greeting Template",
        domain="[('model', '=', 'res.partner')]",
        help="The e-mail of this holiday; empty: the company's greeting template.",
    )

    @api.model
    def _crm_greeting_occasions(self, company, day):
        """The greetings due for ``day`` in ``company``: dicts of partner, occasion
        key, summary, mode, holiday and template, opted-out customers left out."""
        customers = self.env["res.partner"].search(
            [
                ("is_crm_customer", "=", True),
                ("crm_greeting_opt_out", "=", False),
                ("company_id", "in", (company.id, False)),
            ]
        )
        template = company._crm_greeting_template()
        occasions = []
        for holiday in self.search([("date", "=", day), ("company_id", "in", (company.id, False))]):
            mode = company.crm_greeting_mode if holiday.greeting_mode == "company" else None
            occasions += [
                {
                    "partner": partner,
                    "occasion": f"holiday:{holiday.id}",
                    "summary": self.env._("Greeting: %(h)s", h=holiday.name),
                    "mode": mode or holiday.greeting_mode,
                    "holiday": holiday,
                    "template": holiday.mail_template_id or template,
                }
                for partner in customers
            ]
        for partner in customers.filtered("founding_date"):
            founded = partner.founding_date
            if (founded.month, founded.day) == (day.month, day.day) and founded < day:
                occasions.append(
                    {
                        "partner": partner,
                        "occasion": "founding",
                        "summary": self.env._("Greeting: founding anniversary"),
                        "mode": company.crm_greeting_mode,
                        "holiday": self,
                        "template": template,
                    }
                )
        return occasions

    @api.model
    def _crm_greeting_activities(self, occasions, day):
        """Greeting activities for the salespeople; one per customer, occasion, day."""
        Activity = self.env["mail.activity"].sudo()
        occasions = [o for o in occasions if o["partner"].user_id]
        existing = {
            (a.res_id, a.summary)
            for a in Activity.search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", [o["partner"].id for o in occasions]),
                    ("date_deadline", "=", day),
                    ("summary", "like", "%:%"),
                ]
            )
        }
        model_id = self.env["ir.model"]._get_id("res.partner")
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        values = [
            {
                "res_model_id": model_id,
                "res_id": o["partner"].id,
                "activity_type_id": todo_type.id,
                "summary": o["summary"],
                "date_deadline": day,
                "user_id": o["partner"].user_id.id,
            }
            for o in occasions
            if (o["partner"].id, o["summary"]) not in existing
        ]
        Activity.with_context(mail_activity_quick_update=True).create(values)
        return len(values)

    @api.model
    def _cron_crm_greetings(self):
        """Greetings N days before a holiday or a customer's founding anniversary:
        activities for the salespeople, or e-mails from a template to the customers
        (per holiday or company-wide); idempotent (once per customer, occasion, day)."""
        today = fields.Date.context_today(self)
        Greeting = self.env["crm.standard.greeting"].sudo()
        done = 0
        for company in self.env["res.company"].search([("crm_greeting_enabled", "=", True)]):
            if not Greeting._crm_lock_company(company):
                continue  # another worker is greeting its customers (activities too)
            day = today + timedelta(days=company.crm_greeting_days_before)
            occasions = self._crm_greeting_occasions(company, day)
            done += self._crm_greeting_activities(
                [o for o in occasions if o["mode"] == "activity"], day
            )
            mails = [
                {
                    "partner_id": o["partner"].id,
                    "occasion": o["occasion"],
                    "occasion_name": o["summary"],
                    "holiday_id": o["holiday"].id,
                    "template_id": o["template"].id,
                }
                for o in occasions
                if o["mode"] == "mail"
            ]
            done += Greeting._crm_send(company, day, mails)
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        return done

"""Past follow-up records of the legacy systems, imported as done activities
in the customer's chatter, at their original date."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmStandardPastFollowup(models.Model):
    _name = "crm.standard.past.followup"
    _description = "Past Follow-up (imported)"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", index=True, ondelete="cascade", check_company=True
    )
    partner_code = fields.Char(
        "Customer Code", help="Finds the customer when the Customer column is empty."
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Datetime(required=True, help="When the follow-up took place.")
    activity_type_id = fields.Many2one("mail.activity.type", string="Type", required=True)
    summary = fields.Char(required=True)
    note = fields.Html()
    user_id = fields.Many2one("res.users", string="Salesperson")
    message_id = fields.Many2one("mail.message", readonly=True, ondelete="set null")

    def get_import_templates(self):
        return [
            {
                "label": self.env._("Import Template for Past Follow-ups (历史跟进记录)"),
                "template": "/crm_standard/static/xls/crm_standard_past_followups.csv",
            }
        ]

    @api.model
    def _resolve_partners(self, vals_list):
        codes = {
            v["partner_code"]
            for v in vals_list
            if not v.get("partner_id") and v.get("partner_code")
        }
        by_code = {}
        if codes:
            partners = self.env["res.partner"].search([("customer_code", "in", list(codes))])
            by_code = {p.customer_code: p.id for p in partners}
        for vals in vals_list:
            if vals.get("partner_id"):
                continue
            code = vals.get("partner_code")
            if not by_code.get(code):
                raise ValidationError(
                    self.env._(
                        "Customer: no customer with the code '%(code)s' "
                        "(give the Customer or a known Customer Code).",
                        code=code or "",
                    )
                )
            vals["partner_id"] = by_code[code]

    @api.model
    def _load_records_create(self, vals_list):
        """The import: a row already imported (same customer, date, type and
        summary) is returned, not created again."""
        self._resolve_partners(vals_list)
        keys = [
            (
                v["partner_id"],
                fields.Datetime.to_datetime(v.get("date")),
                v.get("activity_type_id"),
                v.get("summary"),
            )
            for v in vals_list
        ]
        existing = {}
        if vals_list:
            found = self.search([("partner_id", "in", list({k[0] for k in keys}))])
            existing = {
                (r.partner_id.id, r.date, r.activity_type_id.id, r.summary): r for r in found
            }
        new = [v for v, k in zip(vals_list, keys, strict=True) if k not in existing]
        created = iter(self.create(new)) if new else iter(())
        return self.concat(*(existing.get(k) or next(created) for k in keys))

    @api.model_create_multi
    def create(self, vals_list):
        self._resolve_partners(vals_list)
        records = super().create(vals_list)
        records._post_as_done_activities()
        return records

    def _post_as_done_activities(self):
        """Each record becomes a done activity of its customer through Odoo's own
        path (an activity marked done posts the chatter message), then the
        message gets the follow-up's original date."""
        Activity = self.env["mail.activity"].sudo()
        model_id = self.env["ir.model"]._get_id("res.partner")
        for record in self:
            activity = Activity.with_context(mail_activity_quick_update=True).create(
                {
                    "res_model_id": model_id,
                    "res_id": record.partner_id.id,
                    "activity_type_id": record.activity_type_id.id,
                    "summary": record.summary,
                    "note": record.note,
                    "user_id": (record.user_id or self.env.user).id,
                    "date_deadline": record.date.date(),
                }
            )
            # the salesperson is the author; no chained next activity for the past
            author = record.user_id or self.env.user
            messages, next_activities = activity.with_user(author).sudo()._action_done()
            next_activities.unlink()
            messages.sudo().write({"date": record.date})
            record.message_id = messages[:1]

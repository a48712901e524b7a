from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

CHANNELS = [
    ("visit", "Face-to-face Visit"),
    ("call", "Phone Call"),
    ("email", "E-mail"),
    ("newsletter", "Newsletter"),
]
# channel -> activity type (xml id); override _crm_channel_activity_types to change
CHANNEL_ACTIVITY_TYPES = {
    "visit": "mail.mail_activity_data_meeting",
    "call": "mail.mail_activity_data_call",
    "email": "mail.mail_activity_data_email",
    "newsletter": "crm_standard.mail_activity_data_newsletter",
}
RESPONSIBLE_MODES = [
    ("salesperson", "Customer's Salesperson"),
    ("account_manager", "Dedicated Account Manager"),
    ("fixed", "Fixed User"),
]
CADENCE_UNITS = [
    ("days", "Days"),
    ("weeks", "Weeks"),
    ("months", "Months"),
    ("once", "One-off"),
]


def cadence_delta(count, unit):
    """relativedelta of a cadence; None for a one-off step."""
    if unit == "once" or count <= 0:
        return None
    return relativedelta(**{unit: count})


class CrmStandardFollowupTemplateStep(models.Model):
    """A recurring step of a follow-up template.

    Delegates to ``mail.activity.plan.template`` (activity type, summary,
    note, fixed responsible, first delay after the plan start) and adds the
    channel, the cadence and how the responsible is found.
    """

    _name = "crm.standard.followup.template.step"
    _inherits = {"mail.activity.plan.template": "activity_template_id"}
    _description = "Follow-up Template Step"
    _order = "template_id, sequence, id"

    activity_template_id = fields.Many2one(
        "mail.activity.plan.template",
        "Activity Plan Step",
        required=True,
        ondelete="cascade",
        auto_join=True,
        index=True,
    )
    template_id = fields.Many2one(
        "crm.standard.followup.template", required=True, ondelete="cascade", index=True
    )
    channel = fields.Selection(CHANNELS, required=True, default="call")
    responsible_mode = fields.Selection(
        RESPONSIBLE_MODES, "Responsible", required=True, default="salesperson"
    )
    cadence_count = fields.Integer("Every", default=1)
    cadence_unit = fields.Selection(CADENCE_UNITS, "Cadence", required=True, default="months")

    _sql_constraints = [
        (
            "cadence_positive",
            "CHECK(cadence_unit = 'once' OR cadence_count > 0)",
            "Cadence: a recurring step repeats every 1 or more days, weeks or months.",
        ),
    ]

    @api.model
    def _crm_channel_activity_types(self):
        """``{channel: activity type xml id}``; override to map other types."""
        return dict(CHANNEL_ACTIVITY_TYPES)

    @api.model
    def _crm_channel_activity_type(self, channel):
        xmlid = self._crm_channel_activity_types().get(channel)
        return self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None

    @api.constrains("responsible_mode", "responsible_id")
    def _check_fixed_responsible(self):
        for step in self:
            if step.responsible_mode == "fixed" and not step.responsible_id:
                raise ValidationError(
                    self.env._(
                        "Responsible: the step %(step)s is assigned to a fixed user; "
                        "choose the user.",
                        step=step.summary or "",
                    )
                )

    @api.onchange("channel")
    def _onchange_channel(self):
        activity_type = self._crm_channel_activity_type(self.channel)
        if activity_type:
            self.activity_type_id = activity_type

    @api.model
    def _crm_sync_delegated_values(self, vals, template=None):
        if template is not None:
            vals.setdefault("plan_id", template.activity_plan_id.id)
        if "channel" in vals and "activity_type_id" not in vals:
            activity_type = self._crm_channel_activity_type(vals["channel"])
            if activity_type:
                vals["activity_type_id"] = activity_type.id
        if "responsible_mode" in vals:
            vals["responsible_type"] = (
                "other" if vals["responsible_mode"] == "fixed" else "on_demand"
            )
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        templates = self.env["crm.standard.followup.template"].browse(
            {vals["template_id"] for vals in vals_list if vals.get("template_id")}
        )
        by_id = {t.id: t for t in templates}
        for vals in vals_list:
            vals.setdefault("channel", "call")
            vals.setdefault("responsible_mode", "salesperson")
            vals.setdefault("delay_from", "after_plan_date")
            self._crm_sync_delegated_values(vals, by_id.get(vals.get("template_id")))
        return super().create(vals_list)

    def write(self, vals):
        return super().write(self._crm_sync_delegated_values(dict(vals)))

    def unlink(self):
        activity_templates = self.activity_template_id
        res = super().unlink()
        activity_templates.unlink()
        return res

    def _crm_prepare_plan_step_values(self, plan):
        """Values of the plan step made from this template step for ``plan``:
        its summary and note in the language of who carries the steps out."""
        self.ensure_one()
        step = self
        lang = (plan.user_id or plan.partner_id.user_id).lang
        if lang and lang != self.env.lang:
            step = self.with_context(lang=lang)
        return {
            "plan_id": plan.id,
            "template_step_id": step.id,
            "sequence": step.sequence,
            "name": step.summary or step.activity_type_id.name,
            "note": step.note,
            "channel": step.channel,
            "activity_type_id": step.activity_type_id.id,
            "responsible_mode": step.responsible_mode,
            "responsible_id": step.responsible_id.id,
            "cadence_count": step.cadence_count,
            "cadence_unit": step.cadence_unit,
            "next_due_date": step.activity_template_id._get_date_deadline(plan.date_start),
        }

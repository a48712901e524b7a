from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    crm_followup_overdue_days = fields.Integer(
        "Follow-up Overdue After (Days)",
        default=3,
        help="Follow-up reminders still open this many days after their deadline "
        "are reported to the plan's approving manager (one digest per manager).",
    )

"""An agent who hands a ticket over (to another team, or to someone else)
keeps reading it: the form's save (write, then read back) goes through, and
they can follow what becomes of it. Read access only, recorded by the
hand-over itself (``handover_user_ids``), never by following the ticket."""

from odoo import Command, fields, models
from odoo.exceptions import UserError


class CrmStandardTicket(models.Model):
    _inherit = "crm.standard.ticket"

    handover_user_ids = fields.Many2many(
        "res.users",
        "crm_standard_ticket_handover_user_rel",
        "ticket_id",
        "user_id",
        string="Handed Over By",
        readonly=True,
        copy=False,
        help="Agents who handed this ticket over to another team or agent: they keep "
        "reading it (record rule), without changing it.",
    )

    def write(self, vals):
        if "handover_user_ids" in vals and not self.env.su:
            raise UserError(
                self.env._("Handed Over By: set by the hand-over of a ticket, not by hand.")
            )
        handing = (
            {"team_id", "user_id"}.intersection(vals)
            and not self.env.su
            and self.env.user.has_group("crm_standard.group_crm_standard_service_agent")
            and not self.env.user.has_group("crm_standard.group_crm_standard_service_manager")
        )
        res = super().write(vals)
        if handing:
            self.sudo().filtered(lambda t: self.env.user not in t.handover_user_ids).write(
                {"handover_user_ids": [Command.link(self.env.uid)]}
            )
        return res

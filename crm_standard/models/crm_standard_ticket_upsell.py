from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmStandardTicket(models.Model):
    """Upsell: a ticket gives rise to an opportunity in one click."""

    _inherit = "crm.standard.ticket"

    # the form hides the opportunity from service agents: the button reads this instead
    crm_has_lead = fields.Boolean(compute="_compute_crm_has_lead")

    @api.depends("lead_id")
    def _compute_crm_has_lead(self):
        for ticket in self:
            ticket.crm_has_lead = bool(ticket.lead_id)

    def _crm_prepare_upsell_values(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        return {
            "name": self.env._("Upsell: %(subject)s", subject=self.name),
            "type": "opportunity",
            "partner_id": self.partner_id.id,
            "user_id": customer.user_id.id or self.env.user.id,
            "company_id": (self.company_id or self.env.company).id,
            "description": self.description,
        }

    def action_crm_create_upsell(self):
        self.ensure_one()
        if not self.commercial_partner_id:
            raise UserError(
                self.env._("Contact: the ticket %(ticket)s has no customer.", ticket=self.name)
            )
        if self.lead_id:
            raise UserError(
                self.env._(
                    "Opportunity: the ticket %(ticket)s is already linked to %(lead)s.",
                    ticket=self.name,
                    lead=self.lead_id.name,
                )
            )
        # service agents cannot create opportunities: the customer's salesperson gets it
        lead = self.env["crm.lead"].sudo().create(self._crm_prepare_upsell_values())
        self.lead_id = lead
        self.message_post(
            body=self.env._("Upsell opportunity created: %(lead)s", lead=lead.name),
            subtype_xmlid="mail.mt_note",
        )
        if not lead.with_env(self.env).has_access("read"):
            return True
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": lead.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

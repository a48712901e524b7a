"""Public pool (公海) in the web client: the menu entry, and the Claim button
of the list rows and of the Action menu."""

from markupsafe import Markup

from odoo import api, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def action_crm_pool_open(self):
        """The Public Pool menu: the pool customers, or, where the current
        company's pool is off, an empty list that says so (no Claim buttons
        that would then refuse)."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_pool_action"
        )
        if self.env.company.crm_pool_enabled:
            return action
        action["domain"] = [("id", "=", False)]
        action["help"] = Markup("<p class='o_view_nocontent_empty_folder'>%s</p><p>%s</p>") % (
            self.env._("The public pool is off"),
            self.env._(
                "%(company)s does not release idle customers to a public pool. "
                "A sales manager turns it on in Settings > CRM > Public Pool.",
                company=self.env.company.name,
            ),
        )
        return action

    def action_crm_pool_claim_open(self):
        """Claim (row button, Action menu): claim, say so, and show My Customers."""
        partners = self.commercial_partner_id
        partners.action_crm_pool_claim()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_customer_action"
        )
        action["context"] = {
            "default_is_company": True,
            "default_is_crm_customer": True,
            "search_default_crm_my_customers": 1,
        }
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Claimed"),
                "message": self.env._(
                    "%(names)s is now yours: it is in My Customers.",
                    names=", ".join(partners.mapped("display_name")),
                ),
                "next": action,
            },
        }

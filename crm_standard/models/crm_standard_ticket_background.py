"""The customer's sales background on the ticket, read-only for the agents:
service staff learn it before answering (toolkit §一(二)). Only through a
ticket they may read: nothing of a customer without one of their tickets."""

from textwrap import shorten

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date, html2plaintext

BACKGROUND_CONTACTS = 5


class CrmStandardTicket(models.Model):
    _inherit = "crm.standard.ticket"

    crm_customer_background = fields.Html(
        string="Customer Background",
        compute="_compute_crm_customer_background",
        sanitize=False,
        groups="crm_standard.group_crm_standard_service_agent,sales_team.group_sale_salesman",
        help="Last contacts, open opportunities and the current follow-up plan of the customer.",
    )

    @api.depends("commercial_partner_id")
    @api.depends_context("lang")
    def _compute_crm_customer_background(self):
        # sudo: agents have no access to opportunities or plans; the ticket
        # (read with their rights) is what opens this summary to them
        customers = self.commercial_partner_id.sudo()
        Lead = self.env["crm.lead"].sudo()
        leads = Lead.search(
            [("partner_id", "child_of", customers.ids), ("type", "=", "opportunity")],
            order="date_deadline, id",
        ).filtered(lambda lead: lead.active and not lead.stage_id.is_won)
        plans = (
            self.env["crm.standard.followup.plan"]
            .sudo()
            .search(
                [("partner_id", "in", customers.ids), ("state", "in", ("submitted", "approved"))]
            )
        )
        for ticket in self:
            customer = ticket.commercial_partner_id
            if not customer:
                ticket.crm_customer_background = False
                continue
            ticket.crm_customer_background = ticket._crm_background_html(
                customer.sudo(),
                leads.filtered(lambda lead, c=customer: lead.partner_id.commercial_partner_id == c),
                plans.filtered(lambda plan, c=customer: plan.partner_id == c)[:1],
            )

    def _crm_background_html(self, customer, leads, plan):
        """The summary shown on the ticket. Extension point."""
        _ = self.env._
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    "|",
                    "&",
                    ("model", "=", "res.partner"),
                    ("res_id", "=", customer.id),
                    "&",
                    ("model", "=", "crm.lead"),
                    ("res_id", "in", leads.ids),
                    ("message_type", "=", "comment"),
                ],
                limit=BACKGROUND_CONTACTS,
                order="date desc, id desc",
            )
        )
        parts = [Markup("<h5>%s</h5>") % _("Last Contacts")]
        if messages:
            parts.append(
                Markup("<ul>%s</ul>")
                % Markup("").join(
                    Markup("<li>%s · %s: %s</li>")
                    % (
                        format_date(self.env, message.date),
                        message.author_id.name or "",
                        shorten(html2plaintext(message.body or ""), 120)
                        or message.mail_activity_type_id.name
                        or "",
                    )
                    for message in messages
                )
            )
        else:
            parts.append(Markup("<p class='text-muted'>%s</p>") % _("No contact logged."))
        parts.append(Markup("<h5>%s</h5>") % _("Open Opportunities"))
        if leads:
            parts.append(
                Markup("<ul>%s</ul>")
                % Markup("").join(
                    Markup("<li>%s · %s · %s</li>")
                    % (lead.name, lead.stage_id.name or "", lead.user_id.name or _("Unassigned"))
                    for lead in leads
                )
            )
        else:
            parts.append(Markup("<p class='text-muted'>%s</p>") % _("No open opportunity."))
        parts.append(Markup("<h5>%s</h5>") % _("Follow-up Plan"))
        if plan:
            states = dict(plan._fields["state"]._description_selection(self.env))
            parts.append(
                Markup("<p>%s · %s · %s</p>")
                % (
                    plan.name,
                    states[plan.state],
                    _("next follow-up %(date)s", date=format_date(self.env, plan.next_due_date))
                    if plan.next_due_date
                    else _("no follow-up due"),
                )
            )
        else:
            parts.append(Markup("<p class='text-muted'>%s</p>") % _("No current plan."))
        return Markup("").join(parts)

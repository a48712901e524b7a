"""Service tickets of the customer: counters, complaint data, smart button."""

from odoo import fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Service tickets (crm.standard.ticket): smart button, history tab,
    # complaint data for value tags and the health score.
    # =====================================================================
    crm_ticket_ids = fields.One2many(
        "crm.standard.ticket",
        "commercial_partner_id",
        string="Tickets",
        groups="crm_standard.group_crm_standard_service_agent,sales_team.group_sale_salesman",
    )
    crm_ticket_count = fields.Integer(
        string="Ticket Count",
        compute="_compute_crm_ticket_count",
        groups="crm_standard.group_crm_standard_service_agent,sales_team.group_sale_salesman",
    )
    crm_complaint_ticket_count = fields.Integer(
        string="Complaint Tickets",
        compute="_compute_crm_complaint_ticket_count",
        search="_search_crm_complaint_ticket_count",
        help="Complaint tickets of this customer (archived ones excluded).",
    )

    def _compute_crm_ticket_count(self):
        partners = self.commercial_partner_id
        counts = dict(
            self.env["crm.standard.ticket"]._read_group(
                [("commercial_partner_id", "in", partners.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.crm_ticket_count = counts.get(partner.commercial_partner_id, 0)

    def _compute_crm_complaint_ticket_count(self):
        counts = self._origin.commercial_partner_id._crm_complaint_counts()
        for partner in self:
            partner.crm_complaint_ticket_count = counts.get(
                partner._origin.commercial_partner_id.id, 0
            )

    def _search_crm_complaint_ticket_count(self, operator, value):
        """Customers by number of complaint tickets, e.g. ``[('crm_complaint_ticket_count', '>', 0)]``."""
        ops = {
            "=": "__eq__",
            "!=": "__ne__",
            ">": "__gt__",
            ">=": "__ge__",
            "<": "__lt__",
            "<=": "__le__",
        }
        if operator not in ops or not isinstance(value, int):
            raise UserError(
                self.env._(
                    "Complaint Tickets: unsupported search %(operator)s %(value)s.",
                    operator=operator,
                    value=value,
                )
            )
        counts = {
            partner.id: count
            for partner, count in self.env["crm.standard.ticket"]
            .sudo()
            .with_context(active_test=True)
            ._read_group(
                [("ticket_type", "=", "complaint")], ["commercial_partner_id"], ["__count"]
            )
            if partner
        }
        matching = [pid for pid, count in counts.items() if getattr(count, ops[operator])(value)]
        if getattr(0, ops[operator])(value):  # customers without complaint match too
            return [
                "|",
                ("commercial_partner_id", "in", matching),
                ("commercial_partner_id", "not in", list(counts)),
            ]
        return [("commercial_partner_id", "in", matching)]

    def _crm_complaint_counts(self, date_from=None):
        """{commercial partner id: complaint tickets} for ``self`` (one query).

        :param date_from: only tickets received from this datetime on (e.g. the
            last 12 months for a health score).
        """
        if not self.ids:
            return {}
        domain = [("commercial_partner_id", "in", self.ids), ("ticket_type", "=", "complaint")]
        if date_from:
            domain.append(("date_received", ">=", date_from))
        return {
            partner.id: count
            for partner, count in self.env["crm.standard.ticket"]
            .sudo()
            .with_context(active_test=True)
            ._read_group(domain, ["commercial_partner_id"], ["__count"])
        }

    def _crm_on_complaints_changed(self):
        """Extension point: the complaint tickets of these customers changed.

        Called with the commercial partners concerned after a complaint ticket
        is created, archived, deleted, or changes type or customer: syncs the
        automatic value tags (the "Complaint" tag). Override to add more (the
        health score, for example); ``crm_complaint_ticket_count`` is up to date.
        """
        self.sudo().with_context(crm_value_tag_rules="complaint")._crm_sync_value_tags()
        return True

    def action_view_crm_tickets(self):
        action = self._crm_records_action(
            "crm_standard.crm_standard_ticket_action",
            field="commercial_partner_id",
            partner=self.commercial_partner_id,
            context={"search_default_open": 0},
        )
        action["context"]["default_partner_id"] = self.id
        return action

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmStandardTicketTeam(models.Model):
    _name = "crm.standard.ticket.team"
    _description = "Service Team"
    _inherit = ["mail.alias.mixin", "mail.thread"]
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    leader_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        tracking=True,
        check_company=True,
        domain="[('share', '=', False)]",
        help="Receives the digest of escalated tickets.",
    )
    member_ids = fields.Many2many(
        "res.users",
        "crm_standard_ticket_team_member_rel",
        "team_id",
        "user_id",
        string="Members",
        check_company=True,
        domain="[('share', '=', False)]",
    )
    unavailable_member_ids = fields.Many2many(
        "res.users",
        "crm_standard_ticket_team_unavailable_rel",
        "team_id",
        "user_id",
        string="Unavailable Members",
        domain="[('id', 'in', member_ids)]",
        help="Members on leave or busy: they get no new ticket automatically.",
    )
    assignment_method = fields.Selection(
        [
            ("fewest_open", "Fewest Open Tickets"),
            ("round_robin", "Round Robin"),
            ("manual", "Manual"),
        ],
        default="fewest_open",
        required=True,
        tracking=True,
        help="How new tickets without an assignee are given to an available member.",
    )
    last_assigned_user_id = fields.Many2one(
        "res.users",
        readonly=True,
        copy=False,
        help="Round robin: the member who got the last ticket.",
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        check_company=True,
        help="SLA deadlines are counted in these working hours; empty: calendar hours.",
    )
    ticket_ids = fields.One2many("crm.standard.ticket", "team_id", string="Tickets")
    open_ticket_count = fields.Integer(compute="_compute_ticket_counts")
    unassigned_ticket_count = fields.Integer(compute="_compute_ticket_counts")
    breached_ticket_count = fields.Integer(compute="_compute_ticket_counts")

    @api.constrains("member_ids", "unavailable_member_ids")
    def _check_unavailable_members(self):
        for team in self:
            strangers = team.unavailable_member_ids - team.member_ids
            if strangers:
                raise ValidationError(
                    self.env._(
                        "Unavailable Members of team %(team)s must be members: %(users)s.",
                        team=team.name,
                        users=", ".join(strangers.mapped("name")),
                    )
                )

    def _compute_ticket_counts(self):
        counts = defaultdict(lambda: {"open": 0, "unassigned": 0, "breached": 0})
        Ticket = self.env["crm.standard.ticket"]
        base = [("team_id", "in", self.ids), ("is_closed", "=", False)]
        # the tickets the user may read: none for a user without ticket access
        # (who may still read the teams), never an AccessError
        rows = (
            Ticket._read_group(base, ["team_id", "user_id", "sla_status"], ["__count"])
            if Ticket.has_access("read")
            else []
        )
        for team, user, status, count in rows:
            entry = counts[team.id]
            entry["open"] += count
            if not user:
                entry["unassigned"] += count
            if status == "breached":
                entry["breached"] += count
        for team in self:
            entry = counts[team.id]
            team.open_ticket_count = entry["open"]
            team.unassigned_ticket_count = entry["unassigned"]
            team.breached_ticket_count = entry["breached"]

    # ------------------------------------------------------------------
    # Mail alias: incoming e-mails create tickets of the team
    # ------------------------------------------------------------------
    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("crm.standard.ticket")
        if self.id:
            values["alias_defaults"] = repr(
                {
                    "team_id": self.id,
                    "company_id": self.company_id.id,
                    "channel": "email",
                }
            )
        return values

    def write(self, vals):
        res = super().write(vals)
        if "company_id" in vals:
            for team in self:
                team.alias_id.sudo().write(
                    {"alias_defaults": team._alias_get_creation_values()["alias_defaults"]}
                )
        return res

    # ------------------------------------------------------------------
    # Assignment
    # ------------------------------------------------------------------
    def _crm_available_members(self):
        """Members that may get new tickets; override to add rules (skills, shifts...)."""
        self.ensure_one()
        return (self.member_ids - self.unavailable_member_ids).filtered("active").sorted("id")

    def _crm_pick_member(self, open_counts):
        """Return the member who gets the next ticket of this team.

        :param dict open_counts: {user_id: open tickets in this team}, updated by
            the caller as tickets are assigned, so a batch is spread fairly.
        Extension point: override for another assignment method.
        """
        self.ensure_one()
        members = self._crm_available_members()
        if not members or self.assignment_method == "manual":
            return self.env["res.users"]
        if self.assignment_method == "round_robin":
            last = self.last_assigned_user_id.id or 0
            after = members.filtered(lambda u: u.id > last)
            return after[:1] or members[:1]
        return min(members, key=lambda u: (open_counts.get(u.id, 0), u.id))

    def _crm_assign_tickets(self, tickets):
        """Give the unassigned ``tickets`` of these teams to their members.

        Teams are locked (FOR UPDATE) so two transactions assigning at once
        see each other's counts and round-robin pointer.
        """
        teams = self.sudo()
        if not teams or not tickets:
            return
        self.env.cr.execute(
            "SELECT id FROM crm_standard_ticket_team WHERE id IN %s FOR UPDATE", [tuple(teams.ids)]
        )
        teams.invalidate_recordset(["last_assigned_user_id"])
        Ticket = self.env["crm.standard.ticket"].sudo()
        open_counts = defaultdict(dict)
        for team, user, count in Ticket._read_group(
            [
                ("team_id", "in", teams.ids),
                ("is_closed", "=", False),
                ("user_id", "!=", False),
                ("id", "not in", tickets.ids),
            ],
            ["team_id", "user_id"],
            ["__count"],
        ):
            open_counts[team.id][user.id] = count
        per_user = defaultdict(list)
        for team in teams:
            counts = open_counts[team.id]
            for ticket in tickets.filtered(lambda t, team=team: t.team_id == team):
                user = team._crm_pick_member(counts)
                if not user:
                    break
                per_user[user.id].append(ticket.id)
                counts[user.id] = counts.get(user.id, 0) + 1
                team.last_assigned_user_id = user
        for user_id, ticket_ids in per_user.items():
            Ticket.browse(ticket_ids).write({"user_id": user_id})

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_ticket_action"
        )
        action["domain"] = [("team_id", "=", self.id)]
        action["context"] = {"default_team_id": self.id, "search_default_open": 1}
        return action

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import unnest_sql

_logger = logging.getLogger(__name__)

RECIPIENT_TYPES = [
    ("team_leader", "Team Leader of the Lead's Team"),
    ("salesperson_manager", "Salesperson's Manager (leader of their team)"),
    ("salesperson", "Salesperson"),
    ("users", "Named Users"),
    ("group", "Members of a Group"),
]
RULE_ACTIONS = [
    ("activity", "Schedule an Activity"),
    ("note", "Post an Internal Note"),
    ("email", "Send an E-mail"),
]


class CrmStandardStageRule(models.Model):
    """Stage-change rule (阶段变更提醒): when a lead moves from one of the
    *from* stages to one of the *to* stages, tell the recipients.

    Fires once per real transition (old stage ≠ new stage), on creation only
    when ``on_create`` is set. A failing rule never blocks the stage move:
    the failure is recorded on its notices and retried by a scheduled action.
    """

    _name = "crm.standard.stage.rule"
    _description = "Stage-Change Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Empty: the rule applies to every company.")
    from_stage_ids = fields.Many2many(
        "crm.stage",
        "crm_standard_stage_rule_from_rel",
        "rule_id",
        "stage_id",
        string="From Stages",
        help="Empty: any stage.",
    )
    to_stage_ids = fields.Many2many(
        "crm.stage",
        "crm_standard_stage_rule_to_rel",
        "rule_id",
        "stage_id",
        string="To Stages",
        required=True,
    )
    team_ids = fields.Many2many("crm.team", string="Sales Teams", help="Empty: every team.")
    on_create = fields.Boolean(
        string="Also on Creation",
        help="Fire when a lead is created directly in one of the 'to' stages.",
    )
    recipient_type = fields.Selection(RECIPIENT_TYPES, required=True, default="team_leader")
    user_ids = fields.Many2many("res.users", string="Users", domain=[("share", "=", False)])
    group_id = fields.Many2one("res.groups")
    action = fields.Selection(RULE_ACTIONS, required=True, default="activity")
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        default=lambda self: self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False),
    )
    activity_deadline_days = fields.Integer(string="Deadline (Days)", default=1)
    summary = fields.Char(translate=True, help="Title of the activity or of the note.")
    mail_template_id = fields.Many2one(
        "mail.template", string="E-mail Template", domain=[("model", "=", "crm.lead")]
    )
    notice_ids = fields.One2many("crm.standard.stage.notice", "rule_id", string="Notices")
    notice_count = fields.Integer(compute="_compute_notice_count")
    last_error = fields.Text(readonly=True, copy=False)

    @api.constrains("recipient_type", "user_ids", "group_id", "action", "mail_template_id")
    def _check_crm_rule_setup(self):
        for rule in self:
            if rule.recipient_type == "users" and not rule.user_ids:
                raise ValidationError(
                    self.env._(
                        "Users: rule '%(rule)s' sends to named users: name at least one.",
                        rule=rule.name,
                    )
                )
            if rule.recipient_type == "group" and not rule.group_id:
                raise ValidationError(
                    self.env._(
                        "Group: rule '%(rule)s' sends to a group: choose it.", rule=rule.name
                    )
                )
            if rule.action == "email" and not rule.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "E-mail Template: rule '%(rule)s' sends an e-mail: choose its template.",
                        rule=rule.name,
                    )
                )
            if rule.activity_deadline_days < 0:
                raise ValidationError(
                    self.env._(
                        "Deadline (Days): rule '%(rule)s' cannot have a negative deadline.",
                        rule=rule.name,
                    )
                )

    def _compute_notice_count(self):
        counts = dict(
            self.env["crm.standard.stage.notice"]._read_group(
                [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.notice_count = counts.get(rule, 0)

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------
    def _crm_matches(self, row):
        """True when history ``row`` triggers this rule."""
        self.ensure_one()
        if row.kind == "create":
            if not self.on_create:
                return False
        elif row.kind not in ("stage", "won") or row.from_stage_id == row.to_stage_id:
            return False
        elif self.from_stage_ids and row.from_stage_id not in self.from_stage_ids:
            return False
        if row.to_stage_id not in self.to_stage_ids:
            return False
        if self.team_ids and row.team_id not in self.team_ids:
            return False
        return not self.company_id or row.company_id == self.company_id

    def _crm_recipients(self, lead):
        """Users this rule tells about ``lead`` (extension point)."""
        self.ensure_one()
        if self.recipient_type == "team_leader":
            return lead.team_id.user_id
        if self.recipient_type == "salesperson_manager":
            return lead.user_id.sale_team_id.user_id
        if self.recipient_type == "salesperson":
            return lead.user_id
        if self.recipient_type == "users":
            return self.user_ids
        return self.group_id.users.filtered(lambda u: not u.share)

    @api.model
    def _crm_fire(self, history):
        """Notices of the rules triggered by the stage history rows ``history``.

        Rules are read once; recipients without read access to the lead are
        skipped (recorded with the reason); each notice is delivered in its
        own savepoint so that a failure never blocks the stage move.
        """
        rules = self.search_fetch([("active", "=", True)], ["on_create", "company_id"])
        if not rules or not history:
            return self.env["crm.standard.stage.notice"]
        vals_list = []
        for row in history:
            for rule in rules:
                if not rule._crm_matches(row):
                    continue
                for user in rule._crm_recipients(row.lead_id):
                    vals_list.append(
                        {"rule_id": rule.id, "history_id": row.id, "recipient_id": user.id}
                    )
        if not vals_list:
            return self.env["crm.standard.stage.notice"]
        notices = self.env["crm.standard.stage.notice"].create(vals_list)
        notices._crm_deliver()
        return notices

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _crm_deliver_activity(self, notices):
        self.ensure_one()
        today = fields.Date.context_today(self)
        model_id = self.env["ir.model"]._get_id("crm.lead")
        activities = (
            self.env["mail.activity"]
            .with_context(mail_activity_quick_update=True)
            .create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": notice.lead_id.id,
                        "activity_type_id": self.activity_type_id.id,
                        "summary": notice._crm_summary(),
                        "user_id": notice.recipient_id.id,
                        "date_deadline": today + timedelta(days=self.activity_deadline_days),
                    }
                    for notice in notices
                ]
            )
        )
        # one UPDATE for the batch, not one per notice
        notices.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE crm_standard_stage_notice n SET activity_id = v.activity_id "
                "FROM %s AS v(id, activity_id) WHERE n.id = v.id",
                unnest_sql([("int4", notices.ids), ("int4", activities.ids)]),
            )
        )
        notices.invalidate_recordset(["activity_id"])

    def _crm_deliver_note(self, notices):
        self.ensure_one()
        for lead, mine in notices.grouped("lead_id").items():
            lead.message_post(
                body=Markup("<p>%s</p>") % mine[0]._crm_summary(),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=mine.recipient_id.partner_id.ids,
            )

    def _crm_deliver_email(self, notices):
        self.ensure_one()
        for notice in notices:
            self.mail_template_id.send_mail(
                notice.lead_id.id,
                email_values={"recipient_ids": [notice.recipient_id.partner_id.id]},
                raise_exception=True,
            )

    def action_view_notices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_stage_notice_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action

from datetime import datetime, time

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.crm_standard.tools import is_system_env


class CrmStandardServiceProposal(models.Model):
    """The accepted proposal's delivery as a project: its planned activities
    (the service tasks) become the project's tasks."""

    _inherit = "crm.standard.service.proposal"

    project_id = fields.Many2one(
        "project.project", copy=False, readonly=True, index="btree_not_null"
    )
    project_task_count = fields.Integer(related="project_id.task_count", string="Service Tasks")

    def _crm_check_project_written(self, vals_list):
        """The project is set by the acceptance only (read-only in the form is no
        guard over RPC): a user's link to another project would stop the
        acceptance from creating the delivery's project."""
        if not is_system_env(self.env) and any("project_id" in vals for vals in vals_list):
            raise AccessError(
                self.env._(
                    "%(field)s: set by the system when the customer accepts the "
                    "service proposal, never written by hand.",
                    field=self._fields["project_id"]._description_string(self.env),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._crm_check_project_written(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._crm_check_project_written([vals])
        return super().write(vals)

    def _crm_portal_accept(self, signed_by):
        result = super()._crm_portal_accept(signed_by)
        self._crm_create_project()
        return result

    def _crm_project_values(self):
        self.ensure_one()
        return {
            "name": self.name,
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "date_start": self.date_start,
            "date": self.date_end,
            "description": self.content,
            "crm_proposal_id": self.id,
        }

    def _crm_task_values(self, activity):
        """A task from a planned activity: the responsible, the deadline (end of
        the day), the deliverable (the activity's note)."""
        deadline = datetime.combine(activity.date_deadline, time(23, 59))
        return {
            "name": activity.summary or activity.activity_type_id.name,
            "project_id": self.project_id.id,
            "partner_id": self.partner_id.id,
            "user_ids": [Command.set(activity.user_id.ids)],
            "date_deadline": deadline,
            "description": activity.note,
            "company_id": self.company_id.id,
        }

    def _crm_create_project(self):
        """Once per proposal; the activities become tasks (they leave the proposal)."""
        for proposal in self.filtered(lambda p: p.state == "accepted" and not p.project_id):
            project = self.env["project.project"].sudo().create(proposal._crm_project_values())
            proposal.sudo().project_id = project
            activities = proposal.sudo().activity_ids
            if activities:
                tasks = (
                    self.env["project.task"]
                    .sudo()
                    .with_context(mail_create_nosubscribe=True)
                    .create([proposal._crm_task_values(a) for a in activities])
                )
                activities.unlink()
                proposal.message_post(
                    body=self.env._(
                        "Project %(project)s created with %(count)s service tasks.",
                        project=project.name,
                        count=len(tasks),
                    ),
                    subtype_xmlid="mail.mt_note",
                )

    def action_crm_view_project(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "project.project",
            "res_id": self.project_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

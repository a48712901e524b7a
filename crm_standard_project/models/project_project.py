from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    crm_proposal_id = fields.Many2one(
        "crm.standard.service.proposal",
        "Service Proposal",
        ondelete="set null",
        index="btree_not_null",
        copy=False,
        help="The accepted service proposal this project delivers.",
    )

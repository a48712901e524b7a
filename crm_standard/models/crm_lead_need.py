from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmLead(models.Model):
    """The needs list (需求清单) and the service proposals of an opportunity."""

    _inherit = "crm.lead"

    crm_need_ids = fields.One2many("crm.standard.need", "lead_id", "Needs")
    crm_proposal_ids = fields.One2many("crm.standard.service.proposal", "lead_id", "Proposals")
    crm_proposal_count = fields.Integer(compute="_compute_crm_proposal_count")

    @api.depends("crm_proposal_ids")
    def _compute_crm_proposal_count(self):
        groups = self.env["crm.standard.service.proposal"]._read_group(
            [("lead_id", "in", self.ids)], ["lead_id"], ["__count"]
        )
        counts = {lead.id: count for lead, count in groups}
        for lead in self:
            lead.crm_proposal_count = counts.get(lead.id, 0)

    @api.constrains("stage_id")
    def _check_crm_needs_confirmed(self):
        leads = self.filtered(
            lambda lead: (
                lead.stage_id.crm_require_confirmed_needs and lead.company_id.crm_need_stage_rule
                if lead.company_id
                else lead.stage_id.crm_require_confirmed_needs
                and self.env.company.crm_need_stage_rule
            )
        )
        if not leads:
            return
        domain = [("lead_id", "in", leads.ids)]
        domain += self.env["crm.standard.need"]._crm_unconfirmed_rigid_domain()
        needs = self.env["crm.standard.need"].sudo().search(domain)
        if needs:
            raise ValidationError(
                self.env._(
                    "Stage: %(lead)s cannot reach the stage %(stage)s while rigid needs are "
                    "not confirmed by the customer: %(needs)s.",
                    lead=needs[0].lead_id.name,
                    stage=needs[0].lead_id.stage_id.name,
                    needs=", ".join(needs.mapped("name")),
                )
            )

    def action_crm_view_proposals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard.crm_standard_service_proposal_action"
        )
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {"default_lead_id": self.id}
        return action

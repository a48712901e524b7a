"""Follow-up plan proposals of the customer: which grade and lifecycle
changes propose a plan (company settings), and the hooks that propose them."""

from odoo import models

from ..tools import system_flag

# better grade, higher rank: an upgrade raises the rank
GRADE_RANK = {"C": 0, "B": 1, "A": 2, "S": 3}


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        if "lifecycle_stage" not in vals or system_flag(self.env, "crm_skip_stage_proposals"):
            return super().write(vals)
        old_stages = {partner.id: partner.lifecycle_stage for partner in self}
        res = super().write(vals)
        changed = self.filtered(lambda p: p.lifecycle_stage != old_stages[p.id])
        if changed:
            changed._crm_on_lifecycle_changed(old_stages)
        return res

    def _crm_grade_change_proposes(self, old_grades):
        """The customers of ``self`` whose grade change proposes a plan.

        By the setting *Propose Plans On* of the customer's company (else the
        current company): every change (default), upgrades only, upgrades to
        S or A, or never. A first grade counts as an upgrade. Extension point.

        :param dict old_grades: ``{partner id: previous grade or False}``
        """
        companies = self.company_id | self.env.company
        if all(company.crm_followup_propose_on == "all" for company in companies):
            return self
        result_ids = []
        for partner in self:
            policy = (partner.company_id or self.env.company).crm_followup_propose_on
            old = GRADE_RANK.get(old_grades.get(partner.id), -1)
            new = GRADE_RANK.get(partner.customer_grade, -1)
            if (
                policy == "all"
                or (policy == "upgrade" and new > old)
                or (policy == "upgrade_sa" and new > old and partner.customer_grade in ("S", "A"))
            ):
                result_ids.append(partner.id)
        return self.browse(result_ids)

    def _crm_propose_followup_plans(self, old_grades=None):
        """Propose the plans of the customers of ``self`` whose grade changed
        (``old_grades``: ``{partner id: previous grade or False}``; ``None``:
        every customer of ``self``), by the company setting
        (:meth:`_crm_grade_change_proposes`). Extension point.

        Skipped with the context key ``crm_skip_followup_plans``.
        """
        Plan = self.env["crm.standard.followup.plan"]
        if system_flag(self.env, "crm_skip_followup_plans"):
            return Plan
        # the few columns the proposals read, not every column of thousands of customers
        self.fetch(
            ["company_id", "customer_grade", "lifecycle_stage", "is_crm_customer", "parent_id"]
        )
        customers = self if old_grades is None else self._crm_grade_change_proposes(old_grades)
        return Plan.sudo()._crm_propose_for_partners(customers, trigger="grade").with_env(Plan.env)

    def _crm_on_lifecycle_changed(self, old_stage_by_partner_id):
        """Extension point: the lifecycle stage of the customers in ``self``
        just changed (``{partner id: previous stage}``); called once per
        batch. Keep overrides set-based.

        Default: where the company's setting *Propose Plans on Lifecycle
        Changes* is on, propose the plan of the template matching the new
        stage (see ``crm.standard.followup.plan._crm_stage_change_proposes``:
        only where a template names a stage, and once). Skipped with the
        context key ``crm_skip_followup_plans``.
        """
        Plan = self.env["crm.standard.followup.plan"]
        if system_flag(self.env, "crm_skip_followup_plans"):
            return Plan
        self.fetch(
            ["company_id", "customer_grade", "lifecycle_stage", "is_crm_customer", "parent_id"]
        )
        customers = self.filtered(
            lambda p: (p.company_id or self.env.company).crm_followup_propose_on_stage
        )
        return Plan.sudo()._crm_propose_for_partners(customers, trigger="stage").with_env(Plan.env)

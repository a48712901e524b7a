from odoo import api, fields, models
from odoo.exceptions import ValidationError

NEED_PRIORITIES = [("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Urgent")]
# Lead fields whose change can move a customer's lifecycle stage.
LIFECYCLE_FIELDS = {"partner_id", "stage_id", "active", "type", "probability"}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    need_description = fields.Text()
    interest_ids = fields.Many2many("crm.standard.interest", string="Products/Services of Interest")
    expected_purchase_date = fields.Date(tracking=True)
    budget = fields.Monetary(currency_field="company_currency", tracking=True)
    need_priority = fields.Selection(NEED_PRIORITIES, default="1", tracking=True)
    industry_id = fields.Many2one(
        "res.partner.industry",
        compute="_compute_crm_profile",
        store=True,
        readonly=False,
        precompute=True,
    )
    employee_count = fields.Integer(
        "Employees", compute="_compute_crm_profile", store=True, readonly=False, precompute=True
    )
    customer_code = fields.Char(related="partner_id.commercial_partner_id.customer_code")
    lifecycle_stage = fields.Selection(
        related="partner_id.commercial_partner_id.lifecycle_stage", string="Customer Lifecycle"
    )

    @api.depends("partner_id")
    def _compute_crm_profile(self):
        for lead in self:
            company = lead.partner_id.commercial_partner_id
            if company.industry_id:
                lead.industry_id = company.industry_id
            if company.employee_count:
                lead.employee_count = company.employee_count

    @api.constrains("budget", "employee_count")
    def _check_crm_positive_amounts(self):
        for lead in self:
            if lead.budget < 0:
                raise ValidationError(
                    self.env._("Budget: the budget of %(lead)s cannot be negative.", lead=lead.name)
                )
            if lead.employee_count < 0:
                raise ValidationError(
                    self.env._(
                        "Employees: the number of employees of %(lead)s cannot be negative.",
                        lead=lead.name,
                    )
                )

    def _prepare_customer_values(self, partner_name, is_company=False, parent_id=False):
        values = super()._prepare_customer_values(partner_name, is_company, parent_id)
        if is_company or not parent_id:
            values.update(
                {
                    "industry_id": self.industry_id.id,
                    "employee_count": self.employee_count,
                }
            )
        return values

    # -- customers follow their opportunities ------------------------------
    def _crm_customers(self):
        return self.filtered(
            lambda lead: lead.type == "opportunity"
        ).partner_id.commercial_partner_id

    def _crm_active_customers(self):
        """Customers with an open or won opportunity among ``self``."""
        return self.filtered(
            lambda lead: lead.active and lead.type == "opportunity"
        ).partner_id.commercial_partner_id

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        customers = leads._crm_customers().sudo()
        customers._crm_mark_customer()
        leads._crm_active_customers().sudo()._crm_lift_manual_churn()
        customers._crm_recompute_lifecycle()
        return leads

    def write(self, vals):
        touches = LIFECYCLE_FIELDS.intersection(vals)
        before = self._crm_customers() if touches else None
        res = super().write(vals)
        if touches:
            after = self._crm_customers().sudo()
            after._crm_mark_customer()
            if touches & {"stage_id", "active", "partner_id", "type"}:
                self._crm_active_customers().sudo()._crm_lift_manual_churn()
            (before.sudo() | after)._crm_recompute_lifecycle()
        return res

    def unlink(self):
        customers = self._crm_customers().sudo()
        res = super().unlink()
        customers.exists()._crm_recompute_lifecycle()
        return res

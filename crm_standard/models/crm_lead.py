from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.partner import CRM_SENSITIVE_GROUPS

NEED_PRIORITIES = [("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Urgent")]
# Lead fields whose change can move a customer's lifecycle stage.
LIFECYCLE_FIELDS = {"partner_id", "stage_id", "active", "type", "probability"}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    need_description = fields.Text()
    interest_ids = fields.Many2many("crm.standard.interest", string="Products/Services of Interest")
    expected_purchase_date = fields.Date(tracking=True)
    budget = fields.Monetary(
        currency_field="company_currency", tracking=True, groups=CRM_SENSITIVE_GROUPS
    )
    need_priority = fields.Selection(NEED_PRIORITIES, default="1", tracking=True)
    crm_commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer Entity",
        related="partner_id.commercial_partner_id",
        store=True,
        index="btree_not_null",
        help="Commercial entity of the customer; stored so that the visibility "
        "rule of partners reads it without a join.",
    )
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
    # Customer codes and lifecycle stages are refreshed once per transaction,
    # just before commit, for every customer touched: a mass conversion of N
    # leads costs the same few grouped queries as one.
    _CRM_REFRESH_KEY = "crm_standard.customer_refresh"

    def _crm_schedule_customer_refresh(self, partners, mark=False, lift=False):
        """Queue ``partners`` (any contacts) for the pre-commit refresh."""
        if not partners:
            return
        data = self.env.cr.precommit.data.get(self._CRM_REFRESH_KEY)
        if data is None:
            data = self.env.cr.precommit.data[self._CRM_REFRESH_KEY] = {
                "refresh": set(),
                "mark": set(),
                "lift": set(),
            }
            self.env.cr.precommit.add(self.sudo()._crm_process_customer_refresh)
        data["refresh"].update(partners.ids)
        if mark:
            data["mark"].update(partners.ids)
        if lift:
            data["lift"].update(partners.ids)

    def _crm_process_customer_refresh(self):
        data = self.env.cr.precommit.data.pop(self._CRM_REFRESH_KEY, None)
        if not data:
            return
        Partner = self.env["res.partner"].sudo()
        # one query for the three sets (a partner may be gone since it was queued)
        existing = set(Partner.browse(data["refresh"] | data["mark"] | data["lift"]).exists().ids)

        def queued(key):
            return Partner.browse([pid for pid in data[key] if pid in existing])

        # graded once, by the lifecycle recompute below (refresh holds mark)
        queued("mark").with_context(crm_skip_grading=True)._crm_mark_customer()
        queued("lift")._crm_lift_manual_churn()
        queued("refresh")._crm_recompute_lifecycle()

    def _crm_opportunity_partners(self, active_only=False):
        return self.filtered(
            lambda lead: lead.type == "opportunity" and (lead.active or not active_only)
        ).partner_id

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        self._crm_schedule_customer_refresh(leads._crm_opportunity_partners(), mark=True)
        self._crm_schedule_customer_refresh(
            leads._crm_opportunity_partners(active_only=True), lift=True
        )
        return leads

    def _crm_business_state(self):
        """Per lead: (commercial partner id of an opportunity, else False; won)."""
        return {
            lead.id: (
                lead.type == "opportunity" and lead.partner_id.commercial_partner_id.id,
                lead.stage_id.is_won,
            )
            for lead in self
        }

    def _crm_new_business(self, before):
        """The active opportunities of ``self`` that are new business since
        ``before`` (``_crm_business_state``): newly the opportunity of their
        customer (a new partner or type), or newly won. Moves between stages,
        or between contacts of one customer, are none."""
        return self.filtered(
            lambda lead: (
                lead.type == "opportunity"
                and lead.active
                and lead.partner_id
                and (
                    before[lead.id][0] != lead.partner_id.commercial_partner_id.id
                    or (lead.stage_id.is_won and not before[lead.id][1])
                )
            )
        )

    def _crm_lifecycle_inputs(self):
        """Per lead: what the lifecycle stage and the grade of its customer
        read of it (``_crm_lifecycle_stats``, ``_crm_grading_revenue_domain``):
        its type, activity, contact and customer, and whether its stage is
        won. Its probability is not read: computing it inside the write would
        change what Odoo computes after it (a merge keeps a manual
        probability); a write of the probability touches the lead instead."""
        return {
            lead.id: (
                lead.type,
                lead.active,
                lead.partner_id.id,
                lead.partner_id.commercial_partner_id.id,
                lead.stage_id.is_won,
            )
            for lead in self
        }

    def _crm_lifecycle_touched(self, before, vals):
        """The leads of ``self`` whose change since ``before``
        (``_crm_lifecycle_inputs``) may change their customer's lifecycle or
        grade: any change of those inputs or of the probability (open by
        probability), and any write of a won lead (its closing date and
        revenue count). A move between two open stages changes neither: the
        customer is not recomputed for nothing."""
        if "probability" in vals:
            return self
        after = self._crm_lifecycle_inputs()
        return self.filtered(
            lambda lead: (
                before[lead.id] != after[lead.id] or before[lead.id][4] or after[lead.id][4]
            )
        )

    def write(self, vals):
        touches = LIFECYCLE_FIELDS.intersection(vals)
        inputs = self._crm_lifecycle_inputs() if touches else None
        # a manual churn mark holds until new business: see _crm_new_business
        state = self._crm_business_state() if {"partner_id", "type", "stage_id"} & touches else None
        res = super().write(vals)
        if touches:
            touched = self._crm_lifecycle_touched(inputs, vals)
            self._crm_schedule_customer_refresh(
                self.env["res.partner"].browse(
                    inputs[lead.id][2]
                    for lead in touched
                    if inputs[lead.id][0] == "opportunity" and inputs[lead.id][2]
                )
            )
            # the others still make their contact's company a customer if it is not one
            untouched = (self - touched)._crm_opportunity_partners()
            self._crm_schedule_customer_refresh(
                touched._crm_opportunity_partners()
                | untouched.filtered(lambda p: not p.commercial_partner_id.is_crm_customer),
                mark=True,
            )
            if state is not None:
                self._crm_schedule_customer_refresh(
                    self._crm_new_business(state).partner_id, lift=True
                )
        return res

    def unlink(self):
        self._crm_schedule_customer_refresh(self._crm_opportunity_partners())
        return super().unlink()

    @api.model
    def _crm_open_opportunities_domain(self, partner_ids, user_id=None):
        """Open opportunities of the customers ``partner_ids`` held by
        ``user_id`` (by anyone, if not given): what a handover or a transfer
        of customers moves."""
        return [
            ("crm_commercial_partner_id", "in", list(partner_ids)),
            ("type", "=", "opportunity"),
            ("probability", "<", 100),
            ("stage_id.is_won", "=", False),
            ("user_id", "=", user_id) if user_id else ("user_id", "!=", False),
        ]

    def _crm_reassign(self, user):
        """Give the leads of ``self`` to ``user`` (a customer handover or
        transfer), set-based: the default team of ``user`` is looked up once,
        not once per lead by ``_compute_team_id``; a lead whose team has the
        user keeps it. Quiet: the customer's note tells the move."""
        leads = self.with_context(tracking_disable=True)
        keep = leads.filtered(lambda lead: user in (lead.team_id.member_ids | lead.team_id.user_id))
        if keep:
            keep.write({"user_id": user.id})
        rest = leads - keep
        if rest:
            team = self.env["crm.team"]._get_default_team_id(
                user_id=user.id, domain=[("use_opportunities", "=", True)]
            )
            rest.write({"user_id": user.id, "team_id": team.id})

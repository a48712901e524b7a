from odoo import api, fields, models
from odoo.exceptions import ValidationError


class UtmCampaign(models.Model):
    """Campaign effect (活动效果): budget, cost and what the campaign brought.

    The figures count the leads the current user may read (record rules
    apply: a salesperson's figures are those of their own leads).
    """

    _inherit = "utm.campaign"

    crm_currency_id = fields.Many2one(
        "res.currency", compute="_compute_crm_currency_id", string="CRM Currency"
    )
    crm_budget = fields.Monetary(
        string="Budget", currency_field="crm_currency_id", groups="sales_team.group_sale_salesman"
    )
    crm_cost = fields.Monetary(
        string="Actual Cost",
        currency_field="crm_currency_id",
        groups="sales_team.group_sale_salesman",
    )
    crm_lead_count = fields.Integer(
        string="Leads", compute="_compute_crm_effect", groups="sales_team.group_sale_salesman"
    )
    crm_opportunity_count = fields.Integer(
        string="Opportunities",
        compute="_compute_crm_effect",
        groups="sales_team.group_sale_salesman",
    )
    crm_won_count = fields.Integer(
        string="Won", compute="_compute_crm_effect", groups="sales_team.group_sale_salesman"
    )
    crm_won_revenue = fields.Monetary(
        string="Won Revenue",
        currency_field="crm_currency_id",
        compute="_compute_crm_effect",
        groups="sales_team.group_sale_salesman",
    )
    crm_conversion_rate = fields.Float(
        string="Conversion (%)",
        compute="_compute_crm_effect",
        digits=(16, 1),
        groups="sales_team.group_sale_salesman",
        help="Won leads among all the campaign's leads.",
    )
    crm_cost_per_lead = fields.Monetary(
        string="Cost per Lead",
        currency_field="crm_currency_id",
        compute="_compute_crm_effect",
        groups="sales_team.group_sale_salesman",
    )
    crm_roi = fields.Float(
        string="ROI (%)",
        compute="_compute_crm_effect",
        digits=(16, 1),
        groups="sales_team.group_sale_salesman",
        help="(Won revenue - actual cost) / actual cost, in percent.",
    )

    @api.constrains("crm_budget", "crm_cost")
    def _check_crm_amounts(self):
        for campaign in self:
            if campaign.crm_budget < 0 or campaign.crm_cost < 0:
                raise ValidationError(
                    self.env._(
                        "Budget and Actual Cost of campaign %(name)s cannot be negative.",
                        name=campaign.display_name,
                    )
                )

    @api.depends_context("company")
    def _compute_crm_currency_id(self):
        self.crm_currency_id = self.env.company.currency_id

    @api.depends_context("uid", "company")
    def _compute_crm_effect(self):
        Lead = self.env["crm.lead"].with_context(active_test=False)
        base = [
            ("campaign_id", "in", self.ids),
            "|",
            ("active", "=", True),
            ("probability", "=", 0),
        ]
        leads = dict(Lead._read_group(base, ["campaign_id"], ["__count"]))
        opps = dict(
            Lead._read_group(
                base + ["|", ("type", "=", "opportunity"), ("date_conversion", "!=", False)],
                ["campaign_id"],
                ["__count"],
            )
        )
        won = {
            campaign: (count, revenue)
            for campaign, count, revenue in Lead._read_group(
                base + [("active", "=", True), ("stage_id.is_won", "=", True)],
                ["campaign_id"],
                ["__count", "expected_revenue:sum"],
            )
        }
        for campaign in self:
            count = leads.get(campaign, 0)
            won_count, revenue = won.get(campaign, (0, 0.0))
            campaign.crm_lead_count = count
            campaign.crm_opportunity_count = opps.get(campaign, 0)
            campaign.crm_won_count = won_count
            campaign.crm_won_revenue = revenue
            campaign.crm_conversion_rate = 100.0 * won_count / count if count else 0.0
            campaign.crm_cost_per_lead = campaign.crm_cost / count if count else 0.0
            campaign.crm_roi = (
                100.0 * (revenue - campaign.crm_cost) / campaign.crm_cost
                if campaign.crm_cost
                else 0.0
            )

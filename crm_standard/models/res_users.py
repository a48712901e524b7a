from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _crm_sales_managers(self, company=None):
        """Internal users who are sales managers (of ``company`` when given):
        they get the approval requests nobody else would (no team leader).
        Extension point: narrow it (e.g. to a region)."""
        domain = [
            ("groups_id", "in", self.env.ref("sales_team.group_sale_manager").ids),
            ("share", "=", False),
        ]
        if company:
            domain.append(("company_ids", "in", company.ids))
        return self.sudo().search(domain).with_env(self.env)

    @api.model
    def _crm_approvers_of(self, salesperson, company):
        """Who decides the requests of ``salesperson``'s customers: their sales
        team leader when a sales manager, else the sales managers of
        ``company``, so that a request never reaches nobody."""
        leader = salesperson.sale_team_id.user_id
        if leader and leader.has_group("sales_team.group_sale_manager"):
            return leader
        return self._crm_sales_managers(company)

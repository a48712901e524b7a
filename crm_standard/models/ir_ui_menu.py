from odoo import api, models


class IrUiMenu(models.Model):
    _inherit = "ir.ui.menu"

    @api.model
    def _crm_menu_counters(self):
        """{menu xml id: (model, domain)}: approval queues whose menu shows
        how many records wait for the current user, e.g. "Plans to Approve (3)".
        Counted with the user's rights, for the users who see the menu.
        Extension point: add a queue."""
        return {
            "crm_standard.crm_standard_menu_followup_plan_to_approve": (
                "crm.standard.followup.plan",
                [("state", "=", "submitted")],
            ),
            "crm_standard.crm_standard_menu_change_request_to_approve": (
                "crm.standard.change.request",
                [("state", "=", "pending")],
            ),
            "crm_standard.crm_standard_menu_grade_override": (
                "crm.standard.grade.override",
                [("state", "=", "pending")],
            ),
        }

    @api.model
    def load_menus(self, debug):
        # the parent's result is cached per user: counters go on a copy; the
        # web client's menu hash covers them, so a new count reloads the menus
        menus = super().load_menus(debug)
        counters = self._crm_menu_counters()
        wanted = [key for key, menu in menus.items() if menu.get("xmlid") in counters]
        if not wanted:
            return menus
        menus = dict(menus)
        for key in wanted:
            model, domain = counters[menus[key]["xmlid"]]
            if not self.env[model].has_access("read"):
                continue
            count = self.env[model].search_count(domain)
            if count:
                menus[key] = dict(menus[key], name=f"{menus[key]['name']} ({count})")
        return menus

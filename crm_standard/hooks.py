def post_init_hook(env):
    """Default required fields for existing companies, codes for existing customers."""
    companies = env["res.company"].search([("crm_required_field_ids", "=", False)])
    companies.crm_required_field_ids = companies._default_crm_required_field_ids()
    env["res.partner"]._crm_mark_existing_customers()
    env["crm.standard.stage.history"]._crm_rebuild_from_tracking()
    # a commercial partner with a salesperson is a customer (res_partner_ownership)
    env["res.partner"]._crm_mark_existing_owned_customers()


def uninstall_hook(env):
    """Empty the plan steps before the module's data is removed: they point at
    the shipped activity types with ``ondelete="restrict"`` (which protects
    users' plans), and their table goes away with the module anyway."""
    env.cr.execute("DELETE FROM crm_standard_followup_plan_step")
    # crm's Customers menu, hidden for the one of crm_standard
    menu = env.ref("crm.res_partner_menu_customer", raise_if_not_found=False)
    if menu:
        menu.active = True

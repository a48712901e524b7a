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
    # open activities of the shipped types would stop the types' deletion
    # (ondelete="restrict", an ERROR in the log): the improvement actions' go
    # with their model; the newsletter's stay on the partners as To-Dos
    improvement = env.ref("crm_standard.mail_activity_type_improvement", raise_if_not_found=False)
    if improvement:
        env["mail.activity"].search([("activity_type_id", "=", improvement.id)]).unlink()
    newsletter = env.ref("crm_standard.mail_activity_data_newsletter", raise_if_not_found=False)
    todo = env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
    if newsletter and todo:
        env["mail.activity"].search([("activity_type_id", "=", newsletter.id)]).write(
            {"activity_type_id": todo.id}
        )
    # crm's Customers menu, hidden for the one of crm_standard
    menu = env.ref("crm.res_partner_menu_customer", raise_if_not_found=False)
    if menu:
        menu.active = True

def post_init_hook(env):
    """Give codes and lifecycle stages to the customers that already exist."""
    env["res.partner"]._crm_mark_existing_customers()

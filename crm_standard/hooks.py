def post_init_hook(env):
    """Default required fields for existing companies, codes for existing customers."""
    companies = env["res.company"].search([("crm_required_field_ids", "=", False)])
    companies.crm_required_field_ids = companies._default_crm_required_field_ids()
    env["res.partner"]._crm_mark_existing_customers()

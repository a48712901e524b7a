# Copyright 2026 crm_standard authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "CRM Standard",
    "summary": "Standardized CRM: customer master data, grading, tags, "
    "follow-up plans, service tickets and least-privilege access",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-standard/crm_standard",
    "author": "crm_standard authors",
    "license": "LGPL-3",
    "depends": ["crm", "contacts"],
    "data": [
        "security/crm_standard_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "data/crm_standard_interest_data.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_standard_interest_views.xml",
        "views/crm_standard_change_request_views.xml",
        "views/res_config_settings_views.xml",
        "views/crm_standard_menus.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/crm_lead_demo.xml",
        "demo/crm_standard_change_request_demo.xml",
    ],
    "post_init_hook": "post_init_hook",
}

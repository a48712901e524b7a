# Copyright 2026 crm_standard authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "CRM Standard - Project",
    "summary": "Service tasks of an accepted service proposal as tasks of its own project",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-standard/crm_standard",
    "author": "crm_standard authors",
    "license": "LGPL-3",
    "depends": ["crm_standard", "project"],
    "data": [
        "views/crm_standard_service_proposal_views.xml",
    ],
    "auto_install": True,
}

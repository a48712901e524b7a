"""18.0.1.1.0: a commercial partner with a salesperson is a customer
(res_partner_ownership.py). The partners that already have one become
customers, set-based, with their codes."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.partner"]._crm_mark_existing_owned_customers()

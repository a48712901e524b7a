"""The access matrix of crm_standard: one table, three uses.

- ``tests/test_access_matrix.py`` checks every role x every model of the
  addon x create/read/write/unlink against ``ACCESS`` (and fails when a model
  of the addon has no row, so that a new model forces an update here);
- ``tools/access_table.py`` renders it as the "Roles and access" table of the
  README; a test fails when the README differs from it.

Pure Python on purpose (no Odoo import): the tool loads it by path.

Adding a model is one line in ``ACCESS``: the letters of the operations each
role may perform (C create, R read, U write, D unlink; "" for nothing), in the
order of ``ROLES``, then a short summary of the record rules.
"""

# key, label in the README, groups of the test user (comma-separated xmlids)
ROLES = (
    ("salesman", "Salesperson (own documents)", "sales_team.group_sale_salesman"),
    ("salesman_all", "Salesperson (all documents)", "sales_team.group_sale_salesman_all_leads"),
    ("sales_manager", "Sales manager", "sales_team.group_sale_manager"),
    ("service_agent", "Service agent", "crm_standard.group_crm_standard_service_agent"),
    ("service_manager", "Service manager", "crm_standard.group_crm_standard_service_manager"),
    ("crm_admin", "CRM Standard administrator", "crm_standard.group_crm_standard_admin"),
    ("internal", "Internal user (no CRM role)", "base.group_user"),
    ("portal", "Portal user", "base.group_portal"),
)
ROLE_KEYS = tuple(role[0] for role in ROLES)

OPERATIONS = (("C", "create"), ("R", "read"), ("U", "write"), ("D", "unlink"))

# Models whose rights come from Odoo are listed too: crm_standard extends
# them, and the matrix pins what each role may do with them.
# fmt: off
ACCESS = {
    #                               salesman salesman_all sales_mgr agent svc_mgr crm_admin internal portal  rules
    "base.partner.merge.automatic.wizard": ("", "", "", "", "", "", "", "", "Odoo's: Contact Creation (base.group_partner_manager) only"),
    "crm.lead":                     ("CRU",  "CRU",       "CRUD",   "",   "",     "CRUD",   "",      "",     "Odoo's: own and unassigned leads; all documents and managers: all; company"),
    "crm.standard.change.request":  ("R",    "R",         "RU",     "R",  "R",    "RU",     "R",     "",     "own requests; salesperson: also those of own customers; all documents and managers: all; company"),
    "crm.standard.grade.history":   ("R",    "R",         "R",      "",   "",     "CRUD",   "",      "",     "salesperson: own customers; all documents and managers: all; company"),
    "crm.standard.grade.matrix":    ("R",    "R",         "R",      "R",  "R",    "CRUD",   "R",     "",     "company (shared when no company)"),
    "crm.standard.grade.override":  ("CR",   "CR",        "CRUD",   "",   "",     "CRUD",   "",      "",     "salesperson: own customers; all documents and managers: all; company"),
    "crm.standard.interest":        ("R",    "R",         "CRUD",   "R",  "R",    "CRUD",   "R",     "",     "company (shared when no company)"),
    "crm.standard.ticket":          ("R",    "R",         "R",      "CRU", "CRUD", "CRUD",  "",      "",     "agent: read those of their teams, write those assigned to them or unassigned in their teams; service manager: all; salesperson: read those of own customers; company"),
    "crm.standard.ticket.category": ("R",    "R",         "R",      "R",  "CRUD", "CRUD",   "R",     "",     "company (shared when no company)"),
    "crm.standard.ticket.sla":      ("R",    "R",         "R",      "R",  "R",    "CRUD",   "R",     "",     "company"),
    "crm.standard.ticket.stage":    ("R",    "R",         "R",      "R",  "CRUD", "CRUD",   "R",     "",     "company (shared when no company)"),
    "crm.standard.ticket.team":     ("R",    "R",         "R",      "R",  "CRUD", "CRUD",   "R",     "",     "company"),
    "res.company":                  ("R",    "R",         "R",      "R",  "R",    "R",      "R",     "R",    "Odoo's: allowed companies"),
    "res.config.settings":          ("",     "",          "",       "",   "",     "",       "",      "",     "Odoo's: settings administrators only"),
    "res.partner":                  ("CRU",  "CRU",       "CRU",    "R",  "R",    "CRU",    "R",     "R",    "salesperson (own documents): customers they own (with contacts), the public pool when enabled, partners of their or unassigned leads and of their activities, every non-customer partner; all documents, managers, service managers: all; team leaders (option): their members' customers; Odoo's: company; portal: own commercial partner only"),
    "res.partner.category":         ("CRU",  "CRU",       "CRU",    "R",  "R",    "CRU",    "R",     "",     "Odoo's; automatic value tags cannot be edited by hand"),
    "res.partner.industry":         ("R",    "R",         "R",      "R",  "R",    "R",      "R",     "",     "Odoo's"),
    "crm.standard.followup.plan": ("CRU",  "CRU",       "CRUD",   "",   "",     "CRUD",   "",      "",     "salesperson: own customers or responsible; all documents and managers: all; approval by sales managers only; company"),
    "crm.standard.followup.plan.step": ("CRUD", "CRUD",      "CRUD",   "",   "",     "CRUD",   "",      "",     "as its plan; locked once submitted"),
    "crm.standard.followup.reminder": ("R",    "R",         "CRUD",   "",   "",     "CRUD",   "",      "",     "as its plan; written by the reminder cron"),
    "crm.standard.followup.template": ("R",    "R",         "CRUD",   "R",  "R",    "CRUD",   "R",     "",     "company (shared when no company)"),
    "crm.standard.followup.template.step": ("R",    "R",         "CRUD",   "R",  "R",    "CRUD",   "R",     "",     "as its template"),
    "mail.activity": ("CRUD", "CRUD",      "CRUD",   "CRUD", "CRUD", "CRUD", "CRUD",  "",     "Odoo's: activities of documents the user may read"),
    "crm.standard.pool.claim": ("R", "R", "R", "", "", "CRUD", "", "", "salesperson (own documents): own claims; all documents and managers: all; company"),
    "crm.standard.migration.batch": ("", "", "RU", "", "", "CRUD", "", "", "created by the import (as superuser) for any importing user; sales managers read and recompute them"),
    "crm.standard.migration.batch.line": ("", "", "R", "", "", "CRUD", "", "", "as its batch"),
    "crm.standard.migration.sample": ("", "", "CRU", "", "", "CRUD", "", "", "sales managers draw and review; company"),
    "crm.standard.migration.sample.line": ("", "", "CRU", "", "", "CRUD", "", "", "as its sample check"),
    "crm.standard.past.followup": ("", "", "CRU", "", "", "CRUD", "", "", "imported by sales managers; company"),
    "crm.standard.cleaning.item": ("R", "R", "R", "", "", "CRUD", "", "", "salesperson (own documents): items of own customers; all documents and managers: all; written by the monthly cron; company"),
    "base_import.import": ("CRU", "CRU", "CRU", "CRU", "CRU", "CRU", "CRU", "", "Odoo's: internal users; crm_standard runs its checks in the import of customers"),
    "ir.sequence": ("R", "R", "R", "R", "R", "R", "R", "", "Odoo's; customer codes and ticket numbers are drawn as superuser"),
}
# fmt: on

# Fields restricted with groups=: (model, field) -> roles that can read them.
SENSITIVE_ROLES = (
    "salesman",
    "salesman_all",
    "sales_manager",
    "service_agent",
    "service_manager",
    "crm_admin",
)
FIELD_ACCESS = {
    ("res.partner", "annual_revenue"): SENSITIVE_ROLES,
    ("crm.lead", "budget"): SENSITIVE_ROLES,
    ("res.partner", "revenue_12m"): SENSITIVE_ROLES,
}

README_START = "<!-- access-matrix:start -->"
README_END = "<!-- access-matrix:end -->"


def rights(model, role):
    """Letters (subset of "CRUD") granted to ``role`` on ``model``."""
    return ACCESS[model][ROLE_KEYS.index(role)]


def row_source(model, letters_by_role, rules):
    """The ``ACCESS`` line for ``model`` (printed when the matrix is stale)."""
    cells = ", ".join(f'"{letters_by_role[role]}"' for role in ROLE_KEYS)
    return f'    "{model}": ({cells}, "{rules}"),'


def markdown_table():
    """The "Roles and access" table, in Markdown."""
    head = ["Model"] + [label for __, label, __ in ROLES] + ["Record rules"]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for __ in head) + "|",
    ]
    for model in sorted(ACCESS):
        cells = [f"`{model}`"]
        cells += [rights(model, role) or "—" for role in ROLE_KEYS]
        cells.append(ACCESS[model][-1])
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "C create, R read, U write, D delete; record rules narrow the rows a "
        "role sees. Fields restricted to sales and service roles:"
    )
    for (model, fname), roles in sorted(FIELD_ACCESS.items()):
        labels = ", ".join(label for key, label, __ in ROLES if key in roles)
        lines.append(f"- `{model}.{fname}`: {labels}.")
    return "\n".join(lines) + "\n"


def readme_section():
    """The README text between the markers, markers included."""
    return f"{README_START}\n{markdown_table()}{README_END}"


def replace_readme_section(text):
    """``text`` (a README) with its access-matrix section regenerated; the
    section is appended, under a "Roles and access" title, when missing."""
    start = text.find(README_START)
    end = text.find(README_END)
    if start == -1 or end == -1:
        sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        return f"{text}{sep}## Roles and access\n\n{readme_section()}\n"
    return text[:start] + readme_section() + text[end + len(README_END) :]


def current_readme_section(text):
    """The section of ``text`` between the markers (markers included), or None."""
    start = text.find(README_START)
    end = text.find(README_END)
    if start == -1 or end == -1:
        return None
    return text[start : end + len(README_END)]

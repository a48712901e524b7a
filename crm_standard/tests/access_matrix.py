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
    "crm.standard.health.backtest": ("",     "",          "R",      "",   "",     "R",      "",      "",     "company; managers only (company-wide figures)"),
    "crm.standard.health.override": ("R",    "R",         "CR",     "R",  "R",    "CRUD",   "",      "",     "salesperson: own customers; all documents, managers and service: all; company; created by sales managers only, never changed (history)"),
    "crm.standard.health.snapshot": ("R",    "R",         "R",      "R",  "R",    "CRUD",   "",      "",     "salesperson: own customers; all documents, managers and service: all; company"),
    "crm.standard.kpi":             ("R",    "R",         "CRUD",   "R",  "R",    "CRUD",   "",      "",     "salesperson (own documents) and agent: KPIs of their own scope; all documents, managers and service managers: all; company"),
    "crm.standard.kpi.value":       ("R",    "R",         "R",      "R",  "R",    "CRUD",   "",      "",     "as their KPI; written by the daily KPI action; company"),
    "crm.standard.interest":        ("R",    "R",         "CRUD",   "R",  "R",    "CRUD",   "R",     "",     "company (shared when no company)"),
    "crm.standard.ticket":          ("R",    "R",         "R",      "CRU", "CRUD", "CRUD",  "",      "",     "agent: read those of their teams and those they handed over, write those assigned to them or unassigned in their teams; service manager: all; salesperson: read those of own customers; company"),
    "crm.standard.ticket.category": ("R",    "R",         "R",      "R",  "CRUD", "CRUD",   "R",     "",     "company (shared when no company)"),
    "crm.standard.ticket.sla":      ("R",    "R",         "R",      "R",  "R",    "CRUD",   "R",     "",     "company"),
    "crm.standard.ticket.stage":    ("R",    "R",         "R",      "R",  "CRUD", "CRUD",   "R",     "",     "company (shared when no company)"),
    "crm.standard.ticket.team":     ("R",    "R",         "R",      "R",  "CRUD", "CRUD",   "R",     "",     "company"),
    "digest.digest":                ("R",    "R",         "R",      "R",  "R",    "R",      "R",     "",     "Odoo's: settings (Access Rights) manage; the CRM Standard figures follow the reader's role"),
    "res.company":                  ("R",    "R",         "R",      "R",  "R",    "R",      "R",     "R",    "Odoo's: allowed companies"),
    "res.config.settings":          ("",     "",          "",       "",   "",     "",       "",      "",     "Odoo's: settings administrators only"),
    "res.partner":                  ("CRU",  "CRU",       "CRU",    "R",  "R",    "CRU",    "R",     "R",    "salesperson (own documents): customers they own (with contacts), the public pool when enabled, partners of their or unassigned leads, of their activities and tickets, every non-customer partner (links only to partners they see, opened to others by the owner or a manager only); all documents, managers, service managers: all; team leaders (option): their members' customers; Odoo's: company; portal: own commercial partner only"),
    "res.partner.category":         ("CRU",  "CRU",       "CRU",    "R",  "R",    "CRU",    "R",     "",     "Odoo's; automatic value tags cannot be edited by hand"),
    "res.partner.industry":         ("R",    "R",         "R",      "R",  "R",    "R",      "R",     "",     "Odoo's"),
    "crm.standard.followup.plan": ("CRU",  "CRU",       "CRUD",   "",   "",     "CRUD",   "",      "",     "salesperson: own customers or responsible; all documents and managers: all; approval by sales managers only; company"),
    "crm.standard.followup.plan.decision": ("", "", "CRUD", "", "", "CRUD", "", "", "own wizards (Odoo's transient rule); deciding needs a sales manager"),
    "crm.standard.followup.plan.step": ("CRUD", "CRUD",      "CRUD",   "",   "",     "CRUD",   "",      "",     "as its plan; locked once submitted"),
    "crm.standard.followup.reminder": ("R",    "R",         "CRUD",   "",   "",     "CRUD",   "",      "",     "as its plan; written by the reminder cron"),
    "crm.standard.followup.template": ("R",    "R",         "CRUD",   "R",  "R",    "CRUD",   "R",     "",     "company (shared when no company)"),
    "crm.standard.followup.template.step": ("R",    "R",         "CRUD",   "R",  "R",    "CRUD",   "R",     "",     "as its template"),
    "mail.followers": ("R", "R", "R", "R", "R", "R", "R", "", "Odoo's; salesperson (own documents): followers they may see, of partners they may see (others' documents: any)"),
    "mail.activity": ("CRUD", "CRUD",      "CRUD",   "CRUD", "CRUD", "CRUD", "CRUD",  "",     "Odoo's: activities of documents the user may read"),
    "crm.standard.customer.transfer": ("", "", "CRUD", "", "", "CRUD", "", "", "sales managers only (a wizard); own wizards (Odoo's transient rule)"),
    "crm.standard.pool.claim": ("R", "R", "R", "", "", "CRUD", "", "", "salesperson (own documents): own claims; all documents and managers: all; company"),
    "crm.stage": ("R", "R", "CRUD", "R", "R", "CRUD", "R", "", "Odoo's; a stage can require the rigid needs confirmed"),
    "crm.standard.need": ("CRUD", "CRUD", "CRUD", "", "", "CRUD", "", "", "as its opportunity: own and unassigned; all documents and managers: all; company"),
    "crm.standard.service.proposal": ("CRU", "CRU", "CRUD", "", "", "CRUD", "", "", "as its opportunity: own and unassigned; all documents and managers: all; company; customers read and answer through the token link"),
    "crm.standard.satisfaction": ("R", "R", "CRUD", "R", "R", "CRUD", "", "", "salesperson: own customers; all documents, managers and service: all; company; written by the revisit's mark done"),
    "crm.standard.progress.report": ("R", "R", "CRUD", "", "", "CRUD", "", "", "salesperson: own customers; all documents and managers: all; company; written by the biweekly cron"),
    "crm.standard.feedback": ("R", "R", "CRUD", "R", "R", "CRUD", "", "", "salesperson: own customers; all documents, managers and service: all; company; answered through the token link"),
    "crm.standard.holiday": ("R", "R", "CRUD", "R", "R", "CRUD", "R", "", "company (shared when no company)"),
    "crm.standard.greeting": ("R", "R", "CRUD", "", "", "CRUD", "", "", "salesperson: own customers; all documents and managers: all; company; written by the greeting cron"),
    "crm.standard.improvement": ("RU", "RU", "CRUD", "RU", "CRUD", "CRUD", "", "", "salesperson, service agent: read own and those answering feedback of own customers, write own (status, result); all documents: read all; sales and service managers: all; company"),
    "crm.standard.migration.batch": ("", "", "RU", "", "", "CRUD", "", "", "created by the import (as superuser) for any importing user; sales managers read and recompute them"),
    "crm.standard.migration.batch.line": ("", "", "R", "", "", "CRUD", "", "", "as its batch"),
    "crm.standard.migration.sample": ("", "", "CRU", "", "", "CRUD", "", "", "sales managers draw and review; company"),
    "crm.standard.migration.sample.line": ("", "", "CRU", "", "", "CRUD", "", "", "as its sample check"),
    "crm.standard.past.followup": ("", "", "CRU", "", "", "CRUD", "", "", "imported by sales managers; company"),
    "crm.standard.cleaning.item": ("R", "R", "R", "", "", "CRUD", "", "", "salesperson (own documents): items of own customers; all documents and managers: all; written by the monthly cron; company"),
    "base_import.import": ("CRU", "CRU", "CRU", "CRU", "CRU", "CRU", "CRU", "", "Odoo's: internal users; crm_standard runs its checks in the import of customers"),
    "ir.sequence": ("R", "R", "R", "R", "R", "R", "R", "", "Odoo's; customer codes and ticket numbers are drawn as superuser"),
    "crm.standard.stage.history": ("R", "R", "R", "", "", "R", "", "", "the rules of crm.lead on the row's lead; company; written by the system only"),
    "crm.standard.stage.rule": ("R", "R", "CRUD", "", "", "CRUD", "", "", "company (shared when no company)"),
    "crm.standard.stage.notice": ("", "", "RD", "", "", "RD", "", "", "company; written by the system only"),
    "crm.standard.stage.requirement": ("R", "R", "CRUD", "", "", "CRUD", "", "", "company (shared when no company)"),
    "crm.standard.funnel.report": ("R", "R", "R", "", "", "R", "", "", "the rules of crm.lead on its salesperson; company"),
    "crm.standard.conversion.report": ("R", "R", "R", "", "", "R", "", "", "the rules of crm.lead on its salesperson; company"),
    "crm.standard.repurchase.report": ("R", "R", "R", "", "", "R", "", "", "salesperson (own documents): customers they own or unassigned; company"),
    "utm.campaign": ("CRU", "CRU", "CRU", "CRU", "CRU", "CRU", "CRU", "", "Odoo's; budget, cost and effect: sales roles"),
    "crm.standard.reject.wizard": ("", "", "CRU", "", "", "CRU", "", "", "wizard: one reason to reject the selected requests; sales managers"),
    "ir.ui.menu": ("R", "R", "R", "R", "R", "R", "R", "", "Odoo's; approval menus show a counter"),
    "mail.activity.plan": ("R", "R", "CRUD", "R", "R", "CRUD", "R", "", "Odoo's; names translatable (follow-up templates)"),
    "mail.activity.plan.template": ("R", "R", "CRUD", "R", "R", "CRUD", "R", "", "Odoo's; summaries and notes translatable (follow-up template steps)"),
    "res.users": ("R", "R", "R", "R", "R", "R", "R", "R", "Odoo's"),
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
    ("res.partner", "crm_health_score"): SENSITIVE_ROLES,
    ("res.partner", "crm_health_band"): SENSITIVE_ROLES,
    ("res.partner", "crm_health_why"): SENSITIVE_ROLES,
}

# Fields only the system writes (scheduled actions, approvals, the form's
# buttons, install), whatever the context: (model, field) -> the roles that may
# also write them directly (empty: none). A user's write is refused with an
# error naming the field; ``_crm_protected_fields()`` of each model lists them
# (the test compares both and tries every role).
_PARTNER_SYSTEM_FIELDS = (
    "is_crm_customer",
    "lifecycle_stage",
    "lifecycle_churn_date",
    "last_won_date",
    "customer_grade",
    "crm_grade_computed",
    "crm_grade_manual",
    "crm_grade_manual_reason",
    "crm_value_level",
    "crm_potential_level",
    "revenue_12m",
    "crm_owner_date",
    "crm_owner_user_id",
    "crm_pool_release_date",
    "crm_pool_previous_user_id",
    "crm_pool_claim_user_id",
    "crm_pool_claim_date",
    "crm_visibility_restricted",
    "crm_visibility_key",
    "completeness_score",
    "crm_name_normalized",
    "crm_phone_sanitized",
)
_TICKET_SYSTEM_FIELDS = (
    "date_received",
    "number",
    "response_deadline",
    "resolution_deadline",
    "first_response_date",
    "first_response_hours",
    "solve_date",
    "reopen_date",
    "sla_status",
    "sla_compliance",
    "escalated",
    "escalation_date",
    "feedback_request_date",
)
_PLAN_SYSTEM_FIELDS = (
    "state",
    "approver_id",
    "approval_date",
    "date_end",
    "close_reason",
    "next_due_date",
    "last_contact_date",
    "reminder_error",
    "reminder_error_date",
    "crm_unassigned_notified",
)
_OVERRIDE_SYSTEM_FIELDS = (
    "state",
    "requested_by_id",
    "current_grade",
    "reviewer_id",
    "review_date",
)
# given by whoever creates the record (the Customers menu makes customers)
SET_AT_CREATION = {("res.partner", "is_crm_customer"), ("crm.standard.ticket", "date_received")}
_APPROVERS = ("sales_manager", "crm_admin")
SYSTEM_FIELDS = {
    **{("res.partner", f): () for f in _PARTNER_SYSTEM_FIELDS},
    **{("crm.standard.ticket", f): () for f in _TICKET_SYSTEM_FIELDS},
    **{("crm.standard.followup.plan", f): () for f in _PLAN_SYSTEM_FIELDS},
    ("crm.standard.followup.plan", "review_comment"): _APPROVERS,
    **{("crm.standard.grade.override", f): () for f in _OVERRIDE_SYSTEM_FIELDS},
    ("crm.standard.grade.override", "review_comment"): _APPROVERS,
    ("crm.standard.improvement", "date_done"): (),
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
    lines.append("")
    lines.append(
        "Fields only the system writes (scheduled actions, approvals, the form's buttons, "
        "install): a direct write by any role is refused, whatever the context, except "
        "by the roles named; on these models, every stored computed read-only field too "
        "(e.g. `commercial_partner_id`): [System-set fields](docs/security.md#system-set-fields)."
    )
    by_model = {}
    for (model, fname), roles in SYSTEM_FIELDS.items():
        by_model.setdefault(model, []).append((fname, roles))
    for model in sorted(by_model):
        cells = []
        for fname, roles in sorted(by_model[model]):
            labels = ", ".join(label for key, label, __ in ROLES if key in roles)
            cell = f"`{fname}`"
            if labels:
                cell += f" (also {labels})"
            elif (model, fname) in SET_AT_CREATION:
                cell += " (given at creation)"
            cells.append(cell)
        lines.append(f"- `{model}`: " + ", ".join(cells) + ".")
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

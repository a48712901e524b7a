"""Constants shared by the files of res.partner and by other models."""

# Groups allowed to see sensitive commercial figures (revenue, budget, ...):
# sales and service roles. Use it as ``groups=CRM_SENSITIVE_GROUPS``.
CRM_SENSITIVE_GROUPS = (
    "sales_team.group_sale_salesman,crm_standard.group_crm_standard_service_agent"
)

LIFECYCLE_STAGES = [
    ("potential", "Potential"),
    ("intent", "Intent"),
    ("deal", "Deal"),
    ("repeat", "Repeat"),
    ("churned", "Churned"),
]
# Grade columns written by the batch UPDATE, with their SQL types.
_GRADE_COLUMNS = {
    "customer_grade": "varchar",
    "crm_grade_computed": "varchar",
    "crm_value_level": "varchar",
    "crm_potential_level": "varchar",
    "revenue_12m": "numeric",
    "crm_grade_manual": "varchar",
    "crm_grade_manual_reason": "text",
}

#!/usr/bin/env python3
"""Write the spreadsheet dashboards "CRM Standard" and "My CRM" (issue 21).

    python3 tools/dashboards.py          # (re)write crm_standard/data/files/*_dashboard.json
    python3 tools/dashboards.py --check  # exit 1 when a file differs from what this writes

Both dashboards show the same figures (one spec, ``SECTIONS``); "My CRM" adds
the current user to every data source's domain (``mine``, evaluated by the web
client with ``uid``) and lists the follow-ups due today. The JSON is Odoo 18's
spreadsheet format (o-spreadsheet version 21, odooVersion 12), as written by
Odoo's own dashboards (``spreadsheet_dashboard_sale/data/files/``): pivots and
lists by id, cells with ``PIVOT``/``PIVOT.VALUE``/``ODOO.LIST`` formulas,
``odoo_*`` chart figures. Every data source carries ``actionXmlId``: clicking a
figure opens that list with the figure's domain, and the tests compare the
figures with what the list shows (``tests/test_dashboard.py``).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "crm_standard" / "data" / "files"

ROW_HEIGHT = 23  # o-spreadsheet's default row height (px)
COLS = {0: 250, 1: 100, 2: 100, 3: 100, 4: 20, 5: 150, 6: 150, 7: 150}
CHART_X = sum(width for col, width in COLS.items() if col < 5)
CHART_WIDTH = sum(width for col, width in COLS.items() if col >= 5)
SECTION_ROWS = 13
TODAY = "context_today().strftime('%Y-%m-%d')"
SINCE_90_DAYS = "(context_today() - relativedelta(days=90)).strftime('%Y-%m-%d')"
SALESPERSON_FILTER = "a3c1e0f2-21f0-4c6b-9a57-crm0standard01"


def domain(*leaves):
    """A domain as the string the web client evaluates (``uid``, ``context_today``)."""
    return "[" + ", ".join(leaves) + "]"


# Each data source: its model, domain leaves for every user (``base``) and
# for "My CRM" (``mine``: the current user's documents), the list it opens
# (``action``), and the field that is the salesperson (the manager's filter).
SOURCES = {
    "customers": {
        "name": "Customers by grade",
        "model": "res.partner",
        "base": ["('is_crm_customer', '=', True)"],
        "mine": ["('crm_owner_user_id', '=', uid)"],
        "salesperson": "crm_owner_user_id",
        "action": "crm_standard.crm_standard_customer_action",
        "rows": [{"fieldName": "customer_grade"}],
        "measures": ["__count", "completeness_score"],
    },
    "complete": {
        "name": "Customers with complete data",
        "model": "res.partner",
        "base": ["('is_crm_customer', '=', True)", "('completeness_score', '>=', 100)"],
        "mine": ["('crm_owner_user_id', '=', uid)"],
        "salesperson": "crm_owner_user_id",
        "action": "crm_standard.crm_standard_customer_action",
        "rows": [],
        "measures": ["__count"],
    },
    "health": {
        "name": "Customers by health band",
        "model": "res.partner",
        "base": ["('is_crm_customer', '=', True)", "('crm_health_band', '!=', False)"],
        "mine": ["('crm_owner_user_id', '=', uid)"],
        "salesperson": "crm_owner_user_id",
        "action": "crm_standard.crm_standard_customer_action",
        "rows": [{"fieldName": "crm_health_band"}],
        "measures": ["__count"],
    },
    "funnel": {
        "name": "Funnel",
        "model": "crm.standard.funnel.report",
        "base": ["('type', '=', 'opportunity')"],
        "mine": ["('user_id', '=', uid)"],
        "salesperson": "user_id",
        "action": "crm_standard.crm_standard_funnel_report_action",
        "rows": [{"fieldName": "stage_id"}],
        "measures": ["reached_count", "won_count", "won_rate"],
    },
    "tickets": {
        "name": "Open tickets by SLA status",
        "model": "crm.standard.ticket",
        "base": ["('is_closed', '=', False)"],
        "mine": ["('commercial_partner_id.user_id', '=', uid)"],
        "salesperson": "commercial_partner_id.user_id",
        "action": "crm_standard.crm_standard_ticket_action",
        "rows": [{"fieldName": "sla_status"}],
        "measures": ["__count"],
    },
    "sla": {
        "name": "SLA compliance",
        "model": "crm.standard.ticket",
        "base": ["('sla_id', '!=', False)"],
        "mine": ["('commercial_partner_id.user_id', '=', uid)"],
        "salesperson": "commercial_partner_id.user_id",
        "action": "crm_standard.crm_standard_ticket_action",
        "rows": [],
        "measures": ["__count", "sla_compliance"],
    },
    "satisfaction": {
        "name": "Satisfaction by month",
        "model": "crm.standard.satisfaction",
        "base": [],
        "mine": ["('partner_id.user_id', '=', uid)"],
        "salesperson": "partner_id.user_id",
        "action": "crm_standard.crm_standard_satisfaction_action",
        "rows": [{"fieldName": "date", "granularity": "month"}],
        "measures": ["__count", "score"],
    },
    "pool": {
        "name": "Pool claims (90 days)",
        "model": "crm.standard.pool.claim",
        "base": [f"('date', '>=', {SINCE_90_DAYS})"],
        "mine": ["('user_id', '=', uid)"],
        "salesperson": "user_id",
        "action": "crm_standard.crm_standard_pool_claim_action",
        "rows": [{"fieldName": "user_id"}],
        "measures": ["__count"],
    },
    "followups": {
        "name": "Follow-ups due today or late",
        "model": "crm.standard.followup.plan.step",
        "base": [
            "('plan_state', '=', 'approved')",
            "('done', '=', False)",
            f"('next_due_date', '<=', {TODAY})",
        ],
        "mine": ["('user_id', '=', uid)"],
        "salesperson": "user_id",
        "action": "crm_standard.crm_standard_followup_plan_step_action_today",
        "rows": [],
        "measures": ["__count"],
    },
}

# The KPIs (crm.standard.kpi, issue 21 part A): a list of the KPIs and their
# targets; "My CRM" lists the salesperson's own (scope salesperson).
KPI_LIST = {
    "name": "KPIs against targets",
    "model": "crm.standard.kpi",
    "base": [],
    "mine": ["('scope', '=', 'user')", "('user_id', '=', uid)"],
    "salesperson": "user_id",
    "action": "crm_standard.crm_standard_kpi_action",
    "columns": ["name", "last_value", "target_value", "unit", "status", "deadline"],
    "orderBy": [{"name": "sequence", "asc": True}, {"name": "id", "asc": True}],
    "rows": 8,
}
FOLLOWUP_LIST = {
    "name": "My follow-ups due today or late",
    "model": "crm.standard.followup.plan.step",
    "base": SOURCES["followups"]["base"],
    "mine": SOURCES["followups"]["mine"],
    "salesperson": "user_id",
    "action": "crm_standard.crm_standard_followup_plan_step_action_today",
    "columns": ["next_due_date", "partner_id", "name", "channel"],
    "orderBy": [{"name": "next_due_date", "asc": True}, {"name": "id", "asc": True}],
    "rows": 10,
}

# Charts: a model grouped by one or two fields, a measure.
CHARTS = {
    "funnel": {
        "title": "Funnel: opportunities that reached each stage",
        "type": "odoo_bar",
        "source": "funnel",
        "groupBy": ["stage_id"],
        "measure": "reached_count",
    },
    "grades": {
        "title": "Grade mix",
        "type": "odoo_pie",
        "source": "customers",
        "groupBy": ["customer_grade"],
        "measure": "__count",
    },
    "grade_trend": {
        "title": "Grade changes by month (new grade)",
        "type": "odoo_line",
        "model": "crm.standard.grade.history",
        "base": [],
        "mine": ["('salesperson_id', '=', uid)"],
        "salesperson": "salesperson_id",
        "action": "crm_standard.crm_standard_grade_history_action",
        "groupBy": ["date:month", "new_grade"],
        "measure": "__count",
    },
    "health": {
        "title": "Health bands",
        "type": "odoo_pie",
        "source": "health",
        "groupBy": ["crm_health_band"],
        "measure": "__count",
    },
    "tickets": {
        "title": "Open tickets by SLA status",
        "type": "odoo_bar",
        "source": "tickets",
        "groupBy": ["sla_status"],
        "measure": "__count",
    },
    "pool": {
        "title": "Pool claims by month",
        "type": "odoo_bar",
        "source": "pool",
        "groupBy": ["date:month"],
        "measure": "__count",
    },
}

# Data sheet rows (label, formula), from B2: the figures the scorecards show
# and the tour reads; an average is empty when there is nothing to average
DATA_ROWS = [
    ("Customers", '=PIVOT.VALUE({customers},"__count")'),
    ("Average completeness (%)", '=PIVOT.VALUE({customers},"completeness_score")'),
    ("Customers with complete data", '=PIVOT.VALUE({complete},"__count")'),
    ("Open tickets", '=PIVOT.VALUE({tickets},"__count")'),
    ("SLA compliance (%)", '=PIVOT.VALUE({sla},"sla_compliance")'),
    ("Average satisfaction", '=PIVOT.VALUE({satisfaction},"score")'),
    ("Pool claims (90 days)", '=PIVOT.VALUE({pool},"__count")'),
    ("Follow-ups due today or late", '=PIVOT.VALUE({followups},"__count")'),
]
# The scorecards: (label, formula on the Data sheet, format, background)
SCORECARDS = [
    ("Customers", "=B2", "0", "#EFF6FF"),
    ("Data complete", '=IFERROR(B4/B2, "-")', "0%", "#EFF6FF"),
    ("Open tickets", "=B5", "0", "#FFF7ED"),
    ("SLA compliance", '=IF(B6="", "-", B6/100)', "0%", "#FFF7ED"),
    ("Satisfaction (1-5)", '=IF(B7="", "-", B7)', "0.0", "#F0FDF4"),
    ("Follow-ups due", "=B9", "0", "#F0FDF4"),
]


def t(text):
    """A translatable label cell (extracted by Odoo's spreadsheet term extractor)."""
    return {"content": f'=_t("{text}")'}


def col_letter(col):
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[col]


def source_domain(source, mine):
    return domain(*source["base"], *(source["mine"] if mine else []))


def field_matching(source, mine):
    # the manager's "Salesperson" filter; "My CRM" has the user in its domains
    if mine:
        return {}
    return {SALESPERSON_FILTER: {"chain": source["salesperson"], "type": "many2one"}}


def build(mine):
    ids = {key: str(index) for index, key in enumerate(SOURCES, start=1)}
    pivots = {}
    for key, source in SOURCES.items():
        pivots[ids[key]] = {
            "type": "ODOO",
            "id": ids[key],
            "formulaId": ids[key],
            "name": source["name"],
            "model": source["model"],
            "domain": source_domain(source, mine),
            "context": {},
            "actionXmlId": source["action"],
            "measures": [{"id": m, "fieldName": m} for m in source["measures"]],
            "rows": source["rows"],
            "columns": [],
            "sortedColumn": None,
            "fieldMatching": field_matching(source, mine),
        }
    lists = {}
    list_defs = [KPI_LIST] + ([FOLLOWUP_LIST] if mine else [])
    for index, spec in enumerate(list_defs, start=1):
        lists[str(index)] = {
            "id": str(index),
            "name": spec["name"],
            "model": spec["model"],
            "domain": source_domain(spec, mine),
            "context": {},
            "actionXmlId": spec["action"],
            "columns": spec["columns"],
            "orderBy": spec["orderBy"],
            "fieldMatching": field_matching(spec, mine),
        }

    data_cells = {"A1": t("Figure"), "B1": t("Value")}
    for row, (label, formula) in enumerate(DATA_ROWS, start=2):
        data_cells[f"A{row}"] = t(label)
        data_cells[f"B{row}"] = {"content": formula.format(**ids)}

    cells, figures, styles = {}, [], {}
    title = "My CRM" if mine else "CRM Standard"
    cells["A1"] = t(title)
    styles["A1"] = 1
    # scorecards: one row of 6 cards under the title
    card_width = (CHART_X + CHART_WIDTH - 5 * 10) // 6
    for index, (label, formula, _fmt, background) in enumerate(SCORECARDS):
        data_row = 12 + index
        data_cells[f"D{data_row}"] = t(label)
        data_cells[f"E{data_row}"] = {"content": formula}
        figures.append(
            {
                "id": f"crm-standard-card-{index + 1}",
                "tag": "chart",
                "x": index * (card_width + 10),
                "y": 2 * ROW_HEIGHT,
                "width": card_width,
                "height": 100,
                "data": {
                    "type": "scorecard",
                    "title": {"text": label, "bold": True, "color": "#434343"},
                    "keyValue": f"Data!E{data_row}",
                    "baselineMode": "difference",
                    "background": background,
                    "humanize": False,
                },
            }
        )
    # sections: a title, a pivot (PIVOT formula spilling the table) and a chart
    sections = [
        ("Funnel", "funnel", "funnel"),
        ("Grade mix", "customers", "grades"),
        ("Grade trend", None, "grade_trend"),
        ("Health bands", "health", "health"),
        ("Tickets by SLA status", "tickets", "tickets"),
        ("Satisfaction", "satisfaction", None),
        ("Pool activity", "pool", "pool"),
    ]
    row = 8  # 0-based: below the scorecards
    list_sections = [("KPIs against targets", "1", KPI_LIST)]
    if mine:
        list_sections.insert(0, ("My follow-ups due today or late", "2", FOLLOWUP_LIST))
    for label, list_id, spec in list_sections:
        cells[f"A{row + 1}"] = t(label)
        styles[f"A{row + 1}"] = 2
        for col, field in enumerate(spec["columns"]):
            letter = col_letter(col if col < 4 else col + 1)
            cells[f"{letter}{row + 2}"] = {"content": f'=ODOO.LIST.HEADER({list_id},"{field}")'}
            styles[f"{letter}{row + 2}"] = 3
            for line in range(1, spec["rows"] + 1):
                cells[f"{letter}{row + 2 + line}"] = {
                    "content": f'=ODOO.LIST({list_id},{line},"{field}")'
                }
        if len(spec["columns"]) > 4:  # the spacer column E, between D and F
            styles[f"E{row + 2}"] = 3
        row += spec["rows"] + 4
    for label, source_key, chart_key in sections:
        cells[f"A{row + 1}"] = t(label)
        styles[f"A{row + 1}"] = 2
        if source_key:
            cells[f"A{row + 2}"] = {"content": f"=PIVOT({ids[source_key]})"}
        if chart_key:
            chart = CHARTS[chart_key]
            source = SOURCES[chart["source"]] if "source" in chart else chart
            figures.append(
                {
                    "id": f"crm-standard-chart-{chart_key}",
                    "tag": "chart",
                    "x": CHART_X,
                    "y": row * ROW_HEIGHT,
                    "width": CHART_WIDTH,
                    "height": (SECTION_ROWS - 1) * ROW_HEIGHT,
                    "data": {
                        "type": chart["type"],
                        "title": {"text": chart["title"]},
                        "background": "#FFFFFF",
                        "legendPosition": "top",
                        "verticalAxisPosition": "left",
                        "stacked": False,
                        "actionXmlId": source["action"],
                        "metaData": {
                            "groupBy": chart["groupBy"],
                            "measure": chart["measure"],
                            "order": None,
                            "resModel": source["model"],
                            "mode": chart["type"].split("_")[1],
                        },
                        "searchParams": {
                            "comparison": None,
                            "context": {},
                            "domain": source_domain(source, mine),
                            "groupBy": chart["groupBy"],
                            "orderBy": [],
                        },
                        "fieldMatching": field_matching(source, mine),
                    },
                }
            )
        row += SECTION_ROWS

    global_filters = []
    if not mine:
        global_filters.append(
            {
                "id": SALESPERSON_FILTER,
                "type": "relation",
                "label": "Salesperson",
                "modelName": "res.users",
                "defaultValue": [],
                "defaultValueDisplayNames": [],
            }
        )
    formats = {"1": "0", "2": "0%", "3": "0.0"}
    format_of = {"0": 1, "0%": 2, "0.0": 3}
    data_formats = {
        f"E{12 + index}": format_of[fmt] for index, (_l, _f, fmt, _b) in enumerate(SCORECARDS)
    }
    sheet = {
        "id": "dashboard",
        "name": title,
        "colNumber": 8,
        "rowNumber": row + 2,
        "rows": {},
        "cols": {str(col): {"size": width} for col, width in COLS.items()},
        "merges": [],
        "cells": dict(sorted(cells.items(), key=lambda item: _cell_key(item[0]))),
        "styles": styles,
        "formats": {},
        "borders": {},
        "conditionalFormats": [],
        "figures": figures,
        "tables": [],
        "areGridLinesVisible": False,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "dataValidationRules": [],
        "comments": {},
    }
    data_sheet = dict(
        sheet,
        id="data",
        name="Data",
        colNumber=6,
        rowNumber=20,
        cols={"0": {"size": 260}, "3": {"size": 200}},
        cells=dict(sorted(data_cells.items(), key=lambda item: _cell_key(item[0]))),
        styles={},
        formats=data_formats,
        figures=[],
        areGridLinesVisible=True,
    )
    return {
        "version": 21,
        "odooVersion": 12,
        "revisionId": "START_REVISION",
        "uniqueFigureIds": True,
        "settings": {},
        "sheets": [sheet, data_sheet],
        "styles": {
            "1": {"bold": True, "fontSize": 18, "textColor": "#01666b"},
            "2": {"bold": True, "fontSize": 14, "textColor": "#434343"},
            "3": {"bold": True, "textColor": "#434343", "fillColor": "#f2f2f2"},
        },
        "formats": formats,
        "borders": {},
        "pivots": pivots,
        "pivotNextId": len(pivots) + 1,
        "lists": lists,
        "listNextId": len(lists) + 1,
        "globalFilters": global_filters,
        "chartOdooMenusReferences": {},
        "customTableStyles": {},
    }


def _cell_key(ref):
    letters = "".join(c for c in ref if c.isalpha())
    return int(ref[len(letters) :]), letters


def render(data):
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


OUTPUTS = {
    "crm_standard_dashboard.json": False,
    "my_crm_dashboard.json": True,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a file is stale")
    args = parser.parse_args()
    stale = []
    for name, mine in OUTPUTS.items():
        path = FILES / name
        text = render(build(mine))
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"stale: {', '.join(stale)}: run python3 tools/dashboards.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

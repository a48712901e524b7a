import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The dashboards of issue 21 in Odoo's Dashboards app: the sales manager opens
// "CRM Standard", the salesperson "My CRM". The grid and the figures are drawn
// on canvases: the steps read the figures from the dashboard's spreadsheet
// model (the rows of its Data sheet, tools/dashboards.py) once its data sources
// are loaded. Fixtures in crm_standard/tests/test_dashboard.py.

// Data sheet rows (B2..B9): customers, completeness, complete customers, open
// tickets, SLA compliance, satisfaction, pool claims, follow-ups due; the
// averages are empty without data, the counts always numbers
const DATA_ROWS = [1, 2, 3, 4, 5, 6, 7, 8];
const AVERAGE_ROWS = [2, 5, 6];

function isLoaded(cell, row) {
    return (
        typeof cell.value === "number" || (AVERAGE_ROWS.includes(row) && cell.value === "")
    );
}

function activeDashboardModel() {
    const nodes = [odoo.__WOWL_DEBUG__.root.__owl__];
    while (nodes.length) {
        const node = nodes.pop();
        const dashboard = node.component.state?.activeDashboard;
        if (dashboard?.model) {
            return dashboard.model;
        }
        nodes.push(...Object.values(node.children));
    }
    return undefined;
}

async function dataFigures(name) {
    // the data sources load asynchronously: wait until every figure is a number
    // (up to 25 s, within the step's timeout of 30 s: a loaded test machine)
    let values = [];
    let model;
    for (let attempt = 0; attempt < 250; attempt++) {
        const active = document.querySelector(".o_search_panel_category_value.active");
        model = active?.dataset.name === name && activeDashboardModel();
        if (model) {
            const sheetId = model.getters.getSheetIdByName("Data");
            values = DATA_ROWS.map((row) => model.getters.getEvaluatedCell({ sheetId, col: 1, row }));
            if (values.every((cell, index) => isLoaded(cell, DATA_ROWS[index]))) {
                return values.map((cell) => cell.value);
            }
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
        `The ${name} dashboard's figures did not load (model: ${Boolean(model)}): ${JSON.stringify(
            values.map((cell) => cell.value)
        )}`
    );
}

function openDashboardSteps(name) {
    // the dashboard re-renders on every data source loaded: the steps click and
    // read through the DOM and the model rather than wait for a stable element
    return [
        ...stepUtils.goToAppSteps(
            "spreadsheet_dashboard.spreadsheet_dashboard_menu_root",
            "Open the Dashboards app"
        ),
        {
            content: `Open the ${name} dashboard`,
            trigger: ".o_spreadsheet_dashboard_action .o_search_panel_category_value",
            run: () => {
                const item = document.querySelector(
                    `.o_search_panel_category_value[data-name='${name}']`
                );
                if (!item) {
                    throw new Error(`No dashboard ${name} in the Dashboards app`);
                }
                if (!item.classList.contains("active")) {
                    item.click();
                }
            },
        },
    ];
}

registry.category("web_tour.tours").add("crm_standard_dashboard_crm_standard", {
    url: "/odoo",
    steps: () => [
        ...openDashboardSteps("CRM Standard"),
        {
            content: "Every figure is computed (no access or data error)",
            trigger: ".o_spreadsheet_dashboard_action",
            timeout: 30000,
            run: async () => {
                const [customers] = await dataFigures("CRM Standard");
                if (customers < 1) {
                    throw new Error(`CRM Standard shows ${customers} customers`);
                }
            },
        },
        {
            content: "The manager's filter on the salesperson is offered",
            trigger: ".o_control_panel .o-filter-value input[placeholder*=Salesperson]",
        },
    ],
});

registry.category("web_tour.tours").add("crm_standard_dashboard_my_crm", {
    url: "/odoo",
    steps: () => [
        ...openDashboardSteps("My CRM"),
        {
            content: "My CRM shows the salesperson's own two customers",
            trigger: ".o_spreadsheet_dashboard_action",
            timeout: 30000,
            run: async () => {
                const [customers] = await dataFigures("My CRM");
                if (customers !== 2) {
                    throw new Error(`My CRM shows ${customers} customers, expected 2`);
                }
            },
        },
    ],
});

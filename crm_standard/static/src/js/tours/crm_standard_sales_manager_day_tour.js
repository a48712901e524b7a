import { _t } from "@web/core/l10n/translation";
import { markup } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { menuSteps } from "./crm_standard_tour_steps";

// The sales manager's day: approve changes and plans from their lists, the
// grade matrix, the grade report.
// Run as a test by crm_standard/tests/test_tours_roles.py.
registry.category("web_tour.tours").add("crm_standard_sales_manager_day", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", _t("Your day starts in the <b>CRM</b>.")),
        ...menuSteps(
            "crm.crm_menu_sales",
            "crm_standard.crm_standard_menu_change_request_to_approve",
            markup(_t("<b>Changes to Approve</b>: the menu counts what waits for you."))
        ),
        {
            content: markup(_t("<b>Approve</b> a change from its row.")),
            trigger: ".o_data_row:contains(Tour Renamed Co) button[name=action_approve]",
            run: "click",
        },
        {
            isActive: ["auto"],
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour Renamed Co)))",
        },
        ...menuSteps(
            "crm_standard.crm_standard_menu_followup",
            "crm_standard.crm_standard_menu_followup_plan_to_approve",
            markup(_t("<b>Plans to Approve</b>: follow-up plans waiting for your review."))
        ),
        {
            content: markup(_t("<b>Reject</b> a plan from its row, with a reason.")),
            trigger: ".o_data_row:contains(Tour Plan Co) button.text-danger",
            run: "click",
        },
        {
            content: _t("Say why: the salesperson sees it."),
            trigger: ".modal .o_field_widget[name=comment] textarea",
            run: "edit Visit them instead",
        },
        {
            content: _t("Reject."),
            trigger: ".modal button[name=action_reject]",
            run: "click",
        },
        {
            isActive: ["auto"],
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour Plan Co)))",
        },
        ...menuSteps(
            "crm.crm_menu_config",
            "crm_standard.crm_standard_menu_grade_matrix",
            markup(_t("The <b>Grade Matrix</b>: value × potential gives S, A, B or C."))
        ),
        {
            content: _t("The cells of the matrix."),
            trigger: ".o_list_view .o_data_row",
        },
        ...menuSteps(
            "crm.crm_menu_report",
            "crm_standard.crm_standard_menu_report_grades",
            markup(_t("<b>Customers by Grade</b>: your portfolio at a glance."))
        ),
        {
            content: _t("The report."),
            trigger: ".o_pivot_view, .o_graph_view",
        },
    ],
});

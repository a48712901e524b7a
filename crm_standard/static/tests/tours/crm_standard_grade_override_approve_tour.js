import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { openSalesMenuSteps } from "./crm_standard_tour_utils";

// A sales manager approves a salesperson's pending grade override request;
// the customer's grade badge then shows the requested grade.
// Fixture and database checks in crm_standard/tests/test_tours.py.
registry.category("web_tour.tours").add("crm_standard_grade_override_approve", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        ...openSalesMenuSteps("crm_standard.crm_standard_menu_grade_override", "Open Grade Override Requests"),
        {
            content: "Open the pending request",
            trigger: ".o_list_view .o_data_row:contains(Tour Graded Co) .o_data_cell[name=partner_id]",
            run: "click",
        },
        {
            content: "The request waits for approval",
            trigger:
                ".o_form_view .o_form_statusbar .o_field_widget[name=state] .o_arrow_button_current[data-value=pending]",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view .o_form_statusbar button[name=action_approve]",
            run: "click",
        },
        {
            content: "The request is approved",
            trigger:
                ".o_form_view .o_form_statusbar .o_field_widget[name=state] .o_arrow_button_current[data-value=approved]",
        },
        {
            content: "Open the customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id] a.o_form_uri",
            run: "click",
        },
        {
            content: "The customer's grade badge shows the requested grade",
            trigger:
                ".o_form_view div[name=crm_grade_badge] .o_field_widget[name=customer_grade] .badge:contains(S)",
        },
    ],
});

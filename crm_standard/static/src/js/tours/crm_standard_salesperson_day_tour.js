import { _t } from "@web/core/l10n/translation";
import { markup } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { menuSteps } from "./crm_standard_tour_steps";

// The salesperson's day (实施指南 阶段五): my customers, log a call, request a
// grade override, the follow-ups due today, claim from the public pool.
// Run as a test by crm_standard/tests/test_tours_roles.py.
registry.category("web_tour.tours").add("crm_standard_salesperson_day", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", _t("Your day starts in the <b>CRM</b>.")),
        ...menuSteps(
            "crm.crm_menu_sales",
            "crm_standard.crm_standard_menu_customers",
            markup(_t("<b>Customers</b> opens on <b>your</b> customers."))
        ),
        {
            isActive: ["auto"],
            trigger: ".o_searchview .o_facet_value:contains(My Customers)",
        },
        {
            content: markup(_t("Open a customer: its grade, next follow-up and open tickets are on the card.")),
            trigger: ".o_kanban_record:contains(Tour Day Co)",
            run: "click",
        },
        {
            content: markup(_t("After a call, <b>log</b> what was said.")),
            trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-logNote",
            run: "click",
        },
        {
            content: _t("Write what the customer said."),
            trigger: ".o-mail-Chatter .o-mail-Composer-input",
            run: "edit Called the buyer: renewal in March",
        },
        {
            content: _t("Log it."),
            trigger: ".o-mail-Chatter .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            isActive: ["auto"],
            trigger: ".o-mail-Chatter .o-mail-Message-body:contains(Called the buyer)",
        },
        {
            isActive: ["auto"],
            content: "One grade badge, not a grade tag beside it",
            trigger:
                ".o_form_view:has([name=crm_grade_badge] .o_field_widget[name=customer_grade]) " +
                ".o_field_widget[name=category_id]:not(:has(.o_tag:contains(Grade)))",
        },
        {
            content: markup(
                _t("The grade does not fit? <b>Request a grade override</b>: a sales manager decides.")
            ),
            trigger: ".o_form_view button[name=action_crm_request_grade_override]",
            run: "click",
        },
        {
            content: _t("The grade the customer should have."),
            trigger: ".modal .o_field_widget[name=requested_grade] select",
            run: "selectByLabel A",
        },
        {
            content: _t("Say why."),
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Signed a three-year framework contract",
        },
        {
            content: _t("Send the request."),
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            isActive: ["auto"],
            content: "The request waits for a manager",
            trigger: ".o_form_view:not(:has(.modal)) button[name=action_view_crm_grade_overrides]",
        },
        ...menuSteps(
            "crm_standard.crm_standard_menu_followup",
            "crm_standard.crm_standard_menu_followup_today",
            markup(_t("<b>My Follow-ups Today</b>: your steps due today or late."))
        ),
        {
            content: _t("The follow-ups to do today."),
            trigger: ".o_list_view .o_data_row:contains(Tour due call)",
        },
        ...menuSteps(
            "crm.crm_menu_sales",
            "crm_standard.crm_standard_menu_pool",
            markup(_t("The <b>Public Pool</b>: customers nobody works for."))
        ),
        {
            content: markup(_t("<b>Claim</b> a customer: it becomes yours.")),
            trigger: ".o_data_row:contains(Tour Pool Co) button[name=action_crm_pool_claim_open]",
            run: "click",
        },
        {
            isActive: ["auto"],
            trigger: ".o_notification:contains(Tour Pool Co)",
        },
        {
            content: _t("It is in My Customers now."),
            trigger: ".o_kanban_record:contains(Tour Pool Co)",
        },
    ],
});

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { openSalesMenuSteps } from "./crm_standard_tour_utils";

// A salesperson (own documents) creates a customer from CRM > Sales > Customers.
// Data checked by crm_standard/tests/test_tours.py.
registry.category("web_tour.tours").add("crm_standard_customer_create", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        ...openSalesMenuSteps("crm_standard.crm_standard_menu_customers", "Open Customers"),
        {
            content: "Create a customer",
            trigger: ".o_control_panel .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Company name",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Tour Lumber Co",
        },
        {
            content: "E-mail",
            trigger: ".o_form_view .o_field_widget[name=email] input",
            run: "edit info@tourlumber.example.com",
        },
        {
            content: "Phone",
            trigger: ".o_form_view .o_field_widget[name=phone] input",
            run: "edit +86 10 6552 1234",
        },
        {
            content: "Open the CRM Profile tab",
            trigger: ".o_notebook .nav-link[name=crm_profile]",
            run: "click",
        },
        {
            content: "Industry",
            trigger: ".o_form_view .o_field_widget[name=industry_id] input",
            run: "edit IT/Communication",
        },
        {
            content: "Pick the industry",
            trigger: ".o-autocomplete--dropdown-item a:contains(IT/Communication)",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "The customer got a customer code",
            trigger: ".o_form_view .o_form_saved .o_field_widget[name=customer_code]:contains(CUS)",
        },
        {
            content: "The lifecycle statusbar shows the customer as a potential one",
            trigger:
                ".o_form_view .o_form_statusbar .o_field_widget[name=lifecycle_stage] .o_arrow_button_current[data-value=potential]",
        },
        {
            content: "Log a note in the chatter",
            trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-logNote",
            run: "click",
        },
        {
            content: "Write the note",
            trigger: ".o-mail-Chatter .o-mail-Composer-input",
            run: "edit Met the buyer of Tour Lumber at the fair",
        },
        {
            content: "Post the note",
            trigger: ".o-mail-Chatter .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The note is in the chatter",
            trigger: ".o-mail-Chatter .o-mail-Message-body:contains(Met the buyer of Tour Lumber)",
        },
    ],
});

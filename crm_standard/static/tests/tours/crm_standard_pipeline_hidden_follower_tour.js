import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { openSalesMenuSteps } from "./crm_standard_tour_utils";

// A salesperson (own documents) opens their opportunity from the pipeline,
// then its customer from the Customers menu. Both are followed by a partner
// the salesperson may not see (a colleague's customer): the chatters and the
// follower lists load without an error dialog, and the hidden follower is not
// listed. Fixture in crm_standard/tests/test_tours.py.
registry.category("web_tour.tours").add("crm_standard_pipeline_hidden_follower", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app (the pipeline)"),
        {
            content: "Open the opportunity",
            trigger: ".o_kanban_view .o_kanban_record:contains(Tour Followed Deal)",
            run: "click",
        },
        {
            content: "The opportunity's form is open",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value(Tour Followed Co)",
        },
        {
            content: "The opportunity's chatter shows its messages",
            trigger: ".o-mail-Chatter .o-mail-Message-body:contains(Tour followed deal note)",
        },
        {
            content: "Open the opportunity's followers",
            trigger: ".o-mail-Chatter .o-mail-Followers-button",
            run: "click",
        },
        {
            content: "The salesperson is listed, the hidden follower is not",
            trigger:
                ".o-mail-Followers-dropdown:not(:has(.o-mail-Follower:contains(Hidden Colleague Customer))) .o-mail-Follower:contains(Sally Salesman)",
        },
        ...openSalesMenuSteps("crm_standard.crm_standard_menu_customers", "Open Customers"),
        {
            content: "Open the opportunity's customer",
            trigger: ".o_kanban_view .o_kanban_record:contains(Tour Followed Co)",
            run: "click",
        },
        {
            content: "The customer's form is open",
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tour Followed Co)",
        },
        {
            content: "Open the customer's followers",
            trigger: ".o-mail-Chatter .o-mail-Followers-button",
            run: "click",
        },
        {
            content: "The customer's follower list loads without the hidden follower",
            trigger:
                ".o-mail-Followers-dropdown:not(:has(.o-mail-Follower:contains(Hidden Colleague Customer))) .o-mail-Follower:contains(Sally Salesman)",
        },
        {
            content: "The customer's chatter shows its messages",
            trigger: ".o-mail-Chatter .o-mail-Message-body:contains(Tour followed customer note)",
        },
    ],
});

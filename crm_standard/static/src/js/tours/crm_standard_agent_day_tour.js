import { _t } from "@web/core/l10n/translation";
import { markup } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { menuSteps } from "./crm_standard_tour_steps";

// The service agent's day: take a ticket, read the customer's background,
// answer within the SLA, solve it.
// Run as a test by crm_standard/tests/test_tours_roles.py.
registry.category("web_tour.tours").add("crm_standard_agent_day", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "crm_standard.crm_standard_menu_service_root",
            _t("Your day starts in <b>Service</b>.")
        ),
        ...menuSteps(
            "crm_standard.crm_standard_menu_service_tickets",
            "crm_standard.crm_standard_menu_service_all_tickets",
            markup(_t("<b>All Tickets</b> of your teams, by stage."))
        ),
        {
            content: _t("Open a ticket: the SLA tells which deadline comes next."),
            trigger: ".o_kanban_record:contains(Tour printer)",
            run: "click",
        },
        {
            content: markup(_t("<b>Assign to Me</b>: the ticket is yours.")),
            trigger: ".o_form_view button[name=action_assign_to_me]",
            run: "click",
        },
        {
            content: markup(_t("The <b>Customer Background</b>: contacts, opportunities, plan.")),
            trigger: ".o_notebook .nav-link[name=crm_customer_background]",
            run: "click",
        },
        {
            isActive: ["auto"],
            trigger: ".o_field_widget[name=crm_customer_background]:contains(Tour Background Deal)",
        },
        {
            content: markup(_t("<b>Answer</b> the customer within the SLA.")),
            trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-sendMessage",
            run: "click",
        },
        {
            content: _t("Write the answer."),
            trigger: ".o-mail-Chatter .o-mail-Composer-input",
            run: "edit Please restart the printer; we send a technician tomorrow.",
        },
        {
            content: _t("Send it."),
            trigger: ".o-mail-Chatter .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            isActive: ["auto"],
            trigger: ".o-mail-Chatter .o-mail-Message-body:contains(restart the printer)",
        },
        {
            content: markup(_t("Done? Move it to <b>Solved</b>.")),
            trigger: ".o_form_view .o_statusbar_status button:contains(Solved)",
            run: "click",
        },
        {
            isActive: ["auto"],
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Solved)",
        },
    ],
});

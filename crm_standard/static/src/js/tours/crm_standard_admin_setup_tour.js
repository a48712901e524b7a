import { _t } from "@web/core/l10n/translation";
import { markup } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { menuSteps } from "./crm_standard_tour_steps";

// The administrator's setup: settings (required fields, public pool, grading),
// SLA policies, service teams and their e-mail aliases.
// Run as a test by crm_standard/tests/test_tours_roles.py.
registry.category("web_tour.tours").add("crm_standard_admin_setup", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", _t("The setup starts in the <b>CRM</b>.")),
        ...menuSteps(
            "crm.crm_menu_config",
            "crm.crm_config_settings_menu",
            markup(_t("<b>Settings</b>: data quality, public pool, grading."))
        ),
        {
            content: _t("The public pool: turn it on, set the days and the claim limit."),
            trigger: ".o_setting_box#crm_standard_pool",
        },
        {
            content: _t("The grade matrix: value (rows) × potential (columns)."),
            trigger: ".o_crm_grade_grid",
        },
        ...stepUtils.goToAppSteps(
            "crm_standard.crm_standard_menu_service_root",
            _t("Then the <b>Service</b> app.")
        ),
        ...menuSteps(
            "crm_standard.crm_standard_menu_service_config",
            "crm_standard.crm_standard_menu_service_sla",
            markup(_t("<b>SLA Policies</b>: response and resolution hours."))
        ),
        {
            content: _t("The policies."),
            trigger: ".o_list_view .o_data_row",
        },
        ...menuSteps(
            "crm_standard.crm_standard_menu_service_config",
            "crm_standard.crm_standard_menu_service_teams",
            markup(_t("<b>Service Teams</b>: members, working hours and the e-mail alias."))
        ),
        {
            content: _t("Open a team."),
            trigger: ".o_data_row:contains(Tour Support) td.o_data_cell",
            run: "click",
        },
        {
            content: _t("Its alias: e-mails sent there become tickets."),
            trigger: ".o_form_view .o_field_widget[name=alias_name]",
        },
    ],
});

import { _t } from "@web/core/l10n/translation";

/**
 * Steps shared by the role tours: open a menu of the CRM or Service navbar.
 */
export function menuSteps(parentXmlid, menuXmlid, content) {
    return [
        {
            content: _t("Open the menu"),
            trigger: `.o_main_navbar button[data-menu-xmlid='${parentXmlid}']`,
            run: "click",
        },
        {
            content,
            trigger: `.dropdown-item[data-menu-xmlid='${menuXmlid}']`,
            tooltipPosition: "right",
            run: "click",
        },
    ];
}

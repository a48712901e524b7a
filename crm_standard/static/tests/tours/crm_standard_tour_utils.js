/**
 * Steps shared by the crm_standard tours.
 */
export function openSalesMenuSteps(menuXmlid, content) {
    return [
        {
            content: "Open the Sales menu",
            trigger: "button[data-menu-xmlid='crm.crm_menu_sales']",
            run: "click",
        },
        {
            content,
            trigger: `.dropdown-item[data-menu-xmlid='${menuXmlid}']`,
            run: "click",
        },
    ];
}

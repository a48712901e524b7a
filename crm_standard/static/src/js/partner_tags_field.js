/** The customer's tags without the grade tags (Grade S, A, B, C): the grade is
 * shown once, as the grade badge, in the colour of the grade. The tags stay on
 * the customer (search, filters, the search panel); only the widget skips them. */
import { registry } from "@web/core/registry";
import {
    Many2ManyTagsField,
    many2ManyTagsField,
    Many2ManyTagsFieldColorEditable,
    many2ManyTagsFieldColorEditable,
} from "@web/views/fields/many2many_tags/many2many_tags_field";
import {
    KanbanMany2ManyTagsField,
    kanbanMany2ManyTagsField,
} from "@web/views/fields/many2many_tags/kanban_many2many_tags_field";

const withoutGradeTags = (Base) =>
    class extends Base {
        get tags() {
            const gradeTags = new Set(
                this.props.record.data[this.props.name].records
                    .filter((record) => record.data.crm_is_grade_tag)
                    .map((record) => record.id)
            );
            return super.tags.filter((tag) => !gradeTags.has(tag.id));
        }
    };

const relatedFields = (fieldInfo) => [
    ...many2ManyTagsField.relatedFields(fieldInfo),
    { name: "crm_is_grade_tag", type: "boolean", readonly: true },
];

export class CrmPartnerTagsField extends withoutGradeTags(Many2ManyTagsField) {}
export class CrmPartnerTagsFieldKanban extends withoutGradeTags(KanbanMany2ManyTagsField) {}
export class CrmPartnerTagsFieldColorEditable extends withoutGradeTags(
    Many2ManyTagsFieldColorEditable
) {}

registry.category("fields").add("crm_partner_tags", {
    ...many2ManyTagsField,
    component: CrmPartnerTagsField,
    relatedFields,
});
registry.category("fields").add("form.crm_partner_tags", {
    ...many2ManyTagsFieldColorEditable,
    component: CrmPartnerTagsFieldColorEditable,
    relatedFields,
});
registry.category("fields").add("kanban.crm_partner_tags", {
    ...kanbanMany2ManyTagsField,
    component: CrmPartnerTagsFieldKanban,
    relatedFields,
});

"""Every model: a form's ``onchange`` never reads through to a partner the
restricted salesperson may not see (issue 16, hole 3), and the values a
create or write leaves on records, for the link checks of
``res.partner._crm_check_links``."""

from odoo import api, models


class Base(models.AbstractModel):
    _inherit = "base"

    def onchange(self, values, field_names, fields_spec):
        """Stored computes and related fields run as superuser: a new record
        pointing at a hidden partner would return its e-mail, phone, address,
        grade... Refuse partners the user does not see, unless the record
        already points at them (an opportunity a manager assigned)."""
        Partner = self.env["res.partner"]
        if Partner._crm_user_is_restricted():
            links = self._crm_onchange_partner_links(values, fields_spec)
            if links:
                Partner._crm_check_links(self, links)
        return super().onchange(values, field_names, fields_spec)

    def _crm_onchange_partner_links(self, values, fields_spec):
        """``(field name, partners)`` of the partner fields (many2one, or a
        reference to ``res.partner``) of the form, defaults included, that the
        record does not point at already."""
        names = [
            name
            for name, field in self._fields.items()
            if (field.type == "many2one" and field.comodel_name == "res.partner")
            or field.type == "many2one_reference"
        ]
        values = dict(values)
        missing = [name for name in names if name not in values and name in fields_spec]
        if missing:
            values.update(self.default_get(missing))
        current = self.sudo()[:1]
        links = []
        for name in names:
            field = self._fields[name]
            value = values.get(name)
            if isinstance(value, dict):
                value = value.get("id")
            if not isinstance(value, int) or not value:
                continue
            if field.type == "many2one_reference":
                model = values.get(field.model_field) or (current and current[field.model_field])
                if model != "res.partner":
                    continue
                if current and current[name] == value and current[field.model_field] == model:
                    continue
            elif current and current[name].id == value:
                continue
            links.append((name, self.env["res.partner"].browse(value)))
        return links

    @api.model
    def _crm_check_partner_field(self, vals_list, fname="partner_id"):
        """The partners ``vals_list`` sets on ``fname`` must be visible to a
        restricted salesperson (stored computes and related fields of the
        record read them as superuser)."""
        ids = {vals[fname] for vals in vals_list if vals.get(fname)}
        if ids:
            Partner = self.env["res.partner"]
            Partner._crm_check_links(self, [(fname, Partner.browse(ids))])

    @api.model
    def _crm_values_after(self, vals_list, fnames):
        """The values of ``fnames`` (ids for relations) per record once the
        change is made: of the records to create from ``vals_list`` (``self``
        empty; defaults included), or of ``self`` written with ``vals_list[0]``."""
        if not self:
            missing = [name for name in fnames if any(name not in vals for vals in vals_list)]
            defaults = self.default_get(missing) if missing else {}
            return [
                {name: vals.get(name, defaults.get(name)) for name in fnames} for vals in vals_list
            ]
        vals = vals_list[0]
        result = []
        for record in self.sudo():
            values = {}
            for name in fnames:
                value = vals[name] if name in vals else record[name]
                values[name] = value.id if isinstance(value, models.BaseModel) else value
            result.append(values)
        return result

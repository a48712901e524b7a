"""Required opportunity fields per stage: checked on every path that moves a
stage (kanban, form, ``write``, import), marked required on the form."""

from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_required_field_names = fields.Char(
        compute="_compute_crm_required_field_names",
        help="Technical: ',name,name,' of the fields the current stage requires.",
    )

    @api.depends("stage_id", "company_id")
    def _compute_crm_required_field_names(self):
        required = self._crm_required_fields()
        for lead in self:
            names = required[lead.id]
            lead.crm_required_field_names = "," + ",".join(sorted(names)) + "," if names else ","

    def _crm_required_fields(self):
        """``{lead id: names of the fields its stage requires}``: one search
        per (stage, company) of the batch, not one per lead."""
        Requirement = self.env["crm.standard.stage.requirement"]
        by_key, result = {}, {}
        for lead in self:
            key = (lead.stage_id, lead.company_id or self.env.company)
            if key not in by_key:
                by_key[key] = Requirement._crm_required_by_stage(*key)
            result[lead.id] = by_key[key]
        return result

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads.filtered("stage_id")._crm_check_stage_requirements()
        return leads

    def write(self, vals):
        before = {lead.id: lead.stage_id for lead in self} if "stage_id" in vals else None
        res = super().write(vals)
        if before is not None:
            self.filtered(
                lambda lead: lead.stage_id != before[lead.id]
            )._crm_check_stage_requirements()
        return res

    def _crm_check_stage_requirements(self):
        """Each lead of ``self`` has the fields its (new) stage requires."""
        required = self._crm_required_fields()
        for lead in self:
            missing = [name for name in sorted(required[lead.id]) if not lead[name]]
            if missing:
                labels = [
                    lead._fields[name].get_description(self.env)["string"] for name in missing
                ]
                raise ValidationError(
                    self.env._(
                        "%(lead)s cannot enter the stage %(stage)s without: %(fields)s.",
                        lead=lead.display_name,
                        stage=lead.stage_id.name,
                        fields=", ".join(labels),
                    )
                )

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type != "form":
            return arch, view
        names = set(
            self.env["crm.standard.stage.requirement"]
            .sudo()
            .search([("active", "=", True)])
            .field_ids.mapped("name")
        )
        marked = False
        for node in arch.iter("field"):
            name = node.get("name")
            if name not in names or node.getparent() is None:
                continue
            # only the lead's own fields, not those of an embedded list
            if any(
                p.tag in ("list", "kanban", "form") for p in node.iterancestors() if p is not arch
            ):
                continue
            expr = f"',{name},' in (crm_required_field_names or '')"
            current = node.get("required")
            node.set("required", f"({current}) or {expr}" if current else expr)
            marked = True
        if marked and not arch.xpath("//field[@name='crm_required_field_names']"):
            sheet = arch.find(".//sheet")
            parent = sheet if sheet is not None else arch
            parent.append(etree.Element("field", name="crm_required_field_names", invisible="1"))
        return arch, view

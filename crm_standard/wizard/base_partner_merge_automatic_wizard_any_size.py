"""Merge of duplicate groups of any size (Odoo's wizard stops at 3), with a
before-snapshot posted on the surviving customer."""

from markupsafe import Markup, escape

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import split_every

# Values of each merged partner kept in the snapshot.
_SNAPSHOT_FIELDS = (
    "name",
    "customer_code",
    "vat",
    "email",
    "phone",
    "mobile",
    "user_id",
    "customer_grade",
)


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _crm_merge_snapshot_fields(self):
        """Extension point: the partner fields kept in the before-snapshot."""
        return [f for f in _SNAPSHOT_FIELDS if f in self.env["res.partner"]._fields]

    def _crm_post_merge_snapshot(self, partners, dst_partner):
        """A note on ``dst_partner``: each merged partner's values before the
        merge (the surviving one first), and who merged them."""
        names = self._crm_merge_snapshot_fields()
        Partner = self.env["res.partner"]
        head = Markup("").join(
            Markup("<th>%s</th>") % Partner._fields[f].get_description(self.env)["string"]
            for f in ["id", *names]
        )
        rows = Markup("")
        for partner in dst_partner | (partners - dst_partner):
            cells = Markup("").join(
                Markup("<td>%s</td>")
                % (
                    partner[f].display_name
                    if Partner._fields[f].type == "many2one"
                    else (partner[f] or "")
                )
                for f in names
            )
            rows += Markup("<tr><td>%s</td>%s</tr>") % (partner.id, cells)
        body = Markup("<p>%s</p><table class='table table-sm'><tr>%s</tr>%s</table>") % (
            escape(
                self.env._(
                    "Before the merge of %(count)s partners by %(user)s:",
                    count=len(partners),
                    user=self.env.user.name,
                )
            ),
            head,
            rows,
        )
        dst_partner.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        if self.env.context.get("crm_merge_chunk"):
            return super()._merge(partner_ids, dst_partner, extra_checks)
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if len(partners) < 2:
            return super()._merge(partner_ids, dst_partner, extra_checks)
        if len(partners) > 3 and not (
            self.env.is_admin() or self.env.user.has_group("sales_team.group_sale_manager")
        ):
            raise UserError(
                self.env._(
                    "Merge: only sales managers may merge more than 3 partners at once "
                    "(%(count)s selected).",
                    count=len(partners),
                )
            )
        if not dst_partner or dst_partner not in partners:
            dst_partner = self._get_ordered_partner(partners.ids)[-1]
        self._crm_post_merge_snapshot(partners, dst_partner)
        # Odoo's merge, 2 sources at a time into the same destination: its
        # foreign-key moves keep grade history, plans, tickets, followers, chatter
        chunked = self.with_context(crm_merge_chunk=True)
        for sources in split_every(2, (partners - dst_partner).ids):
            chunked._merge(
                [dst_partner.id, *sources], dst_partner.with_env(chunked.env), extra_checks
            )
        return None

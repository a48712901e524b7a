"""Automatic value tags (Grade S, Complaint, Repeat Buyer, ...)."""

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import array_literal, unnest_sql
from .crm_standard_grade_matrix import GRADES


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ---------------------------------------------------------------------
    # Automatic value tags
    # ---------------------------------------------------------------------
    def _crm_value_tag_rules(self):
        """Automatic value tags: a list of ``(tag xml id, partner domain)``.

        A customer carries the tag exactly when it matches the domain. Extension
        point. The "Complaint" tag follows the customer's complaint tickets: it
        is synced alone (context ``crm_value_tag_rules="complaint"``) when they
        change; a grade change syncs the grade tags alone (``"grade"``). Rules whose tag is missing are skipped.
        """
        family = self.env.context.get("crm_value_tag_rules")
        if family == "complaint":
            # the tickets feature syncs this tag alone when complaints change
            return [
                ("crm_standard.partner_tag_complaint", [("crm_complaint_ticket_count", ">", 0)])
            ]
        rules = [
            (f"crm_standard.partner_tag_grade_{grade.lower()}", [("customer_grade", "=", grade)])
            for grade, _label in GRADES
        ]
        if family == "grade":
            # a grade change moves the grade tags only
            return rules
        rules.append(
            ("crm_standard.partner_tag_repeat_buyer", [("lifecycle_stage", "=", "repeat")])
        )
        return rules

    def _crm_sync_value_tags(self):
        """Give the customers of ``self`` exactly the automatic tags they call for.

        Set-based and idempotent: one query for all the rules (their searches
        joined by UNION ALL), one read of the tag relation, one INSERT (ON
        CONFLICT DO NOTHING) and one DELETE for the whole recordset. Anyone
        may call it after changing what a rule reads.
        """
        self.fetch(["commercial_partner_id"])
        partners = self.commercial_partner_id
        if not partners:
            return
        ModelData = self.env["ir.model.data"]
        Partner = self.sudo().with_context(active_test=False)
        # the ids as one array parameter, not one parameter per id and rule
        ids = SQL("(SELECT unnest(%s::int[]))", array_literal("int", partners.ids))
        wanted, searches = {}, []
        for xmlid, domain in self._crm_value_tag_rules():
            tag_id = ModelData._xmlid_to_res_id(xmlid, raise_if_not_found=False)
            if tag_id:
                wanted[tag_id] = set()
                query = Partner._search([("id", "in", ids), *domain])
                searches.append(SQL("SELECT %s, sub.id FROM (%s) sub", tag_id, query.subselect()))
        if not wanted:
            return
        for tag_id, partner_id in self.env.execute_query(SQL(" UNION ALL ").join(searches)):
            wanted[tag_id].add(partner_id)
        relation = self._fields["category_id"].relation
        self.env["res.partner"].flush_model(["category_id"])
        self.env.cr.execute(
            SQL(
                "SELECT category_id, partner_id FROM %s WHERE partner_id IN %s AND category_id IN %s",
                SQL.identifier(relation),
                tuple(partners.ids),
                tuple(wanted),
            )
        )
        have = set(self.env.cr.fetchall())
        to_add = [
            (tag, pid) for tag, pids in wanted.items() for pid in pids if (tag, pid) not in have
        ]
        to_remove = [(tag, pid) for tag, pid in have if pid not in wanted[tag]]
        if to_add:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO %s (category_id, partner_id) SELECT * FROM %s "
                    "ON CONFLICT DO NOTHING",
                    SQL.identifier(relation),
                    unnest_sql(
                        [("int", [t for t, _p in to_add]), ("int", [p for _t, p in to_add])]
                    ),
                )
            )
        if to_remove:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE (category_id, partner_id) IN (SELECT * FROM %s)",
                    SQL.identifier(relation),
                    unnest_sql(
                        [("int", [t for t, _p in to_remove]), ("int", [p for _t, p in to_remove])]
                    ),
                )
            )
        if to_add or to_remove:
            touched = self.browse({pid for _tag, pid in to_add + to_remove})
            touched.invalidate_recordset(["category_id"])
            self.env["res.partner.category"].browse(wanted).invalidate_recordset(["partner_ids"])
            touched.modified(["category_id"])

    def _crm_check_automatic_tags(self, before, auto=None):
        if auto is None:
            auto = self.env["res.partner.category"]._crm_automatic_tag_ids()
        for partner in self:
            if (set(partner.category_id.ids) & auto) != before.get(partner.id, set()):
                raise UserError(
                    self.env._(
                        "Tags: %(partner)s: automatic value tags (grade, repeat buyer, "
                        "complaint) are kept in sync by the system and cannot be added or "
                        "removed by hand.",
                        partner=partner.display_name,
                    )
                )

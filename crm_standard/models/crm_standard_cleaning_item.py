"""The cleaning worklist (定期清洗): what to fix in the customer master data,
assigned to each customer's salesperson, refreshed monthly with one digest
per owner."""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.sql import lock_nowait

_logger = logging.getLogger(__name__)

# the row every rebuild locks and touches (data/crm_standard_cleaning_cron_data.xml)
REFRESH_MARKER = "crm_standard.cleaning_worklist_refreshed"

KINDS = [
    ("duplicate", "Possible Duplicate"),
    ("invalid_format", "Invalid Format"),
    ("incomplete", "Incomplete"),
    ("no_salesperson", "No Salesperson"),
]


class CrmStandardCleaningItem(models.Model):
    _name = "crm.standard.cleaning.item"
    _description = "Cleaning Worklist Item"
    _order = "user_id, kind, partner_id"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True)
    kind = fields.Selection(KINDS, required=True)
    detail = fields.Char()
    group_key = fields.Char(help="Duplicates: the shared normalised value of the group.")

    # -- refresh -------------------------------------------------------------
    @api.model
    def _crm_cleaning_findings(self, company):
        """[(partner id, kind, detail, group key)] of ``company``'s customers,
        one query per kind (set-based). Extension point."""
        cr = self.env.cr
        self.env["res.partner"].flush_model()
        findings = []
        scope = SQL(
            "p.is_crm_customer AND p.parent_id IS NULL AND p.active"
            " AND p.company_id IS NOT DISTINCT FROM %s",
            company.id or None,
        )
        for column, label in (
            ("crm_name_normalized", self.env._("same company name")),
            ("email_normalized", self.env._("same e-mail")),
            ("crm_phone_sanitized", self.env._("same phone")),
        ):
            col = SQL.identifier("p", column)
            cr.execute(
                SQL(
                    "SELECT %s, array_agg(p.id ORDER BY p.id) FROM res_partner p"
                    " WHERE %s AND %s IS NOT NULL GROUP BY %s HAVING count(*) > 1",
                    col, scope, col, col,
                )
            )  # fmt: skip
            for key, ids in cr.fetchall():
                findings += [(pid, "duplicate", label, f"{column}:{key}") for pid in ids]
        # an e-mail without the shape a@b.c, a phone E.164 formatting gave up on
        cr.execute(
            SQL(
                "SELECT p.id, p.email, p.phone, p.mobile FROM res_partner p WHERE %s AND ("
                " (p.email IS NOT NULL AND p.email !~ %s)"
                " OR (p.crm_phone_sanitized IS NOT NULL AND p.crm_phone_sanitized NOT LIKE %s))",
                scope,
                r"^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+",
                "+%",
            )
        )
        for pid, email, phone, mobile in cr.fetchall():
            findings.append(
                (pid, "invalid_format", ", ".join(filter(None, [email, phone or mobile])), False)
            )
        Batch = self.env["crm.standard.migration.batch"]
        Partner = self.env["res.partner"].with_context(active_test=True)
        base = [
            ("is_crm_customer", "=", True),
            ("parent_id", "=", False),
            ("company_id", "in", [company.id, False]),
        ]
        for _key, label, domain in Batch._crm_completeness_items(company or self.env.company):
            for partner in Partner.search_fetch(
                base + ["!"] + Batch._crm_domain_group(domain), ["id"]
            ):
                findings.append((partner.id, "incomplete", label, False))
        cr.execute(SQL("SELECT p.id FROM res_partner p WHERE %s AND p.user_id IS NULL", scope))
        findings += [(pid, "no_salesperson", False, False) for (pid,) in cr.fetchall()]
        return findings

    @api.model
    def _crm_lock_worklist(self):
        """Lock and touch the worklist's marker row until the end of the
        transaction. False when another worker is rebuilding the list, or
        rebuilt it since this transaction began (its snapshot would rebuild
        an outdated list beside the new one)."""
        query = SQL(
            "SELECT id FROM ir_config_parameter WHERE key = %s FOR NO KEY UPDATE NOWAIT",
            REFRESH_MARKER,
        )
        locked = lock_nowait(self.env.cr, query)
        if locked is None:
            return False
        if not locked:
            # the marker was deleted: recreate it (first run after a manual cleanup)
            self.env["ir.config_parameter"].sudo().set_param(REFRESH_MARKER, "1")
            locked = lock_nowait(self.env.cr, query)
            if not locked:
                return False
        # a new row version: a worker whose snapshot is older fails to lock it
        self.env.cr.execute(
            "UPDATE ir_config_parameter SET write_date = now() AT TIME ZONE 'UTC' WHERE id = %s",
            [locked[0][0]],
        )
        return True

    @api.model
    def _crm_refresh_worklist(self):
        """Rebuild the worklist of every company; idempotent (a rerun gives
        the same items). Returns the new items, or None when another worker
        is rebuilding it (or just did): two workers never build it twice."""
        if not self._crm_lock_worklist():
            _logger.info("crm_standard: cleaning worklist rebuilt by another worker, skipped")
            return None
        items = self.browse()
        # a rebuild: the old list goes in one statement
        self.env.cr.execute("DELETE FROM crm_standard_cleaning_item")
        self.env.invalidate_all()
        # the companies of the customers (False: customers shared by all companies)
        groups = (
            self.env["res.partner"]
            .sudo()
            ._read_group(
                [("is_crm_customer", "=", True), ("parent_id", "=", False)], ["company_id"]
            )
        )
        for (company,) in groups:
            findings = self._crm_cleaning_findings(company)
            if not findings:
                continue
            owners = {
                p.id: p.user_id.id
                for p in self.env["res.partner"].sudo().browse({f[0] for f in findings})
            }
            items |= self.sudo().create(
                [
                    {"partner_id": pid, "kind": kind, "detail": detail or False, "group_key": key,
                     "company_id": (company or self.env.company).id,
                     "user_id": owners.get(pid) or False}
                    for pid, kind, detail, key in findings
                ]
            )  # fmt: skip
        return items

    @api.model
    def _cron_crm_cleaning_worklist(self):
        """Monthly: refresh the worklist, then one digest per owner."""
        items = self._crm_refresh_worklist()
        if items is None:
            return 0
        by_owner = defaultdict(self.browse)
        for item in items.filtered("user_id"):
            by_owner[item.user_id] |= item
        sent = 0
        for user, owned in by_owner.items():
            try:
                with self.env.cr.savepoint():
                    owned._crm_send_cleaning_digest(user)
                sent += 1
            except Exception:  # a bad owner is logged, the others get theirs
                _logger.exception("crm_standard: cleaning digest of user %s failed", user.id)
        self.env["ir.cron"]._notify_progress(done=sent, remaining=0)
        return sent

    def _crm_send_cleaning_digest(self, user):
        lang_self = self.with_context(lang=user.lang or self.env.lang)
        labels = dict(lang_self._fields["kind"]._description_selection(lang_self.env))
        counts = defaultdict(int)
        for item in self:
            counts[item.kind] += 1
        rows = Markup("").join(
            Markup("<li>%s: %s</li>") % (labels[kind], count) for kind, count in counts.items()
        )
        customers = Markup("").join(
            Markup("<li>%s — %s</li>") % (item.partner_id.display_name, labels[item.kind])
            for item in self[:50]
        )
        body = Markup("<p>%s</p><ul>%s</ul><ul>%s</ul>") % (
            lang_self.env._("Customer data to clean this month:"),
            rows,
            customers,
        )
        self.env["mail.thread"].sudo().message_notify(
            partner_ids=user.partner_id.ids,
            subject=lang_self.env._("Data cleaning: %(count)s items", count=len(self)),
            body=body,
            model_description=lang_self.env._("Cleaning Worklist"),
        )

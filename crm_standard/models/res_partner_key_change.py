"""Approval of key changes: a salesperson's change of a customer's key
fields becomes a change request for a sales manager."""

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import CONCURRENCY_ERRORS, is_system_env


class _TryOnly(Exception):
    """Rolls back the trial write of ``_crm_check_key_change_values``."""


class ResPartner(models.Model):
    _inherit = "res.partner"

    # -- approval of key changes -------------------------------------------
    crm_change_request_count = fields.Integer(
        compute="_compute_crm_change_request_count",
        string="Pending Key Changes",
        groups="base.group_user",
    )

    # ---------------------------------------------------------------------
    # Approval of key changes
    # ---------------------------------------------------------------------
    @api.model
    def _crm_key_change_fields(self):
        """Customer fields whose change by a non-manager needs approval.

        Extension point: override and extend the list (e.g. a grade override
        or a credit limit); fields missing on the model are ignored.
        """
        return [
            fname
            for fname in (
                "name",
                "vat",
                "customer_code",
                "annual_revenue",
                "credit_limit",
                "property_payment_term_id",
            )
            if fname in self._fields
        ]

    def _crm_key_change_bypass(self):
        """True when writes of key fields apply at once, without approval.

        Sales managers (CRM Standard administrators included) and system
        paths: superuser/sudo (module install, and the module's own paths that
        say ``crm_skip_change_request``, all run sudo) and scheduled actions
        run by Odoo's cron workers, whatever their user. Context keys never
        count on their own: a client sets the context of its RPC calls.
        Override to widen or narrow.
        """
        return is_system_env(self.env) or self.env.user.has_group("sales_team.group_sale_manager")

    @api.model
    def _crm_key_value(self, fname, value):
        """JSON-able normal form of ``value`` for field ``fname`` (for
        comparing and storing it in a change request)."""
        field = self._fields[fname]
        if isinstance(value, models.BaseModel):
            value = value.ids if field.type in ("one2many", "many2many") else value.id
        if field.type in ("float", "monetary"):
            return round(float(value or 0.0), 6)
        if field.type == "integer":
            return int(value or 0)
        if field.type == "date":
            return fields.Date.to_string(value) if value else False
        if field.type == "datetime":
            return fields.Datetime.to_string(value) if value else False
        return value or False

    def _crm_divert_key_changes(self, vals):
        """Turn the key-field changes of ``vals`` on customers into pending
        change requests; return the partners whose key fields were diverted.

        Only existing customers (``is_crm_customer``) are concerned, and only
        fields whose value really changes.
        """
        keys = [fname for fname in self._crm_key_change_fields() if fname in vals]
        if not keys or not self or self._crm_key_change_bypass():
            return self.browse()
        changes = []
        for partner in self.filtered("is_crm_customer"):
            for fname in keys:
                old = self._crm_key_value(fname, partner[fname])
                new = self._crm_key_value(fname, vals[fname])
                if old != new:
                    changes.append((partner, fname, old, new))
        if not changes:
            return self.browse()
        diverted = self.browse([partner.id for partner, *__ in changes])
        # The requester must be allowed to make the change in the first place.
        diverted.check_access("write")
        diverted.check_field_access_rights("write", keys)
        self._crm_check_key_change_values(changes)
        requests = self.env["crm.standard.change.request"]._crm_create_from_changes(changes)
        diverted._crm_notify_change_requests(requests)
        return diverted

    @api.model
    def _crm_key_change_max_length(self):
        """Longest text value a change request takes (characters); extension point."""
        return 1024

    def _crm_check_key_change_values(self, changes):
        """Refuse, when the request is made, a value its approval could never
        apply: a text longer than ``_crm_key_change_max_length``, or a value
        the customer's constraints refuse (the write is tried as the approval
        would make it, then rolled back). ``changes`` as in
        ``crm.standard.change.request._crm_create_from_changes``."""
        limit = self._crm_key_change_max_length()
        for partner, fname, __, new in changes:
            if isinstance(new, str) and len(new) > limit:
                raise ValidationError(
                    self.env._(
                        "%(field)s: the value for %(partner)s is %(length)s characters long; "
                        "at most %(limit)s are accepted.",
                        field=self._fields[fname]._description_string(self.env),
                        partner=partner.display_name,
                        length=len(new),
                        limit=limit,
                    )
                )
        try:
            with self.env.cr.savepoint():
                for partner, fname, __, new in changes:
                    partner.sudo().with_company(
                        partner.company_id or self.env.company
                    ).with_context(tracking_disable=True).write({fname: new})
                self.env.flush_all()
                raise _TryOnly
        except _TryOnly:
            return  # applicable: rolled back, the approval applies it
        except CONCURRENCY_ERRORS:
            raise  # another transaction changed the customer: Odoo retries the request
        except psycopg2.Error as exc:
            raise ValidationError(
                self.env._(
                    "%(fields)s: the requested value cannot be saved (%(error)s).",
                    fields=", ".join(
                        {
                            self._fields[change[1]]._description_string(self.env)
                            for change in changes
                        }
                    ),
                    error=exc.diag.message_primary or exc.pgerror,
                )
            ) from exc

    def _crm_notify_change_requests(self, requests):
        """Tell the requester: a note on each customer (without the values,
        which may be restricted) and a notification in the browser."""
        for partner in self:
            mine = requests.filtered(lambda r, p=partner: r.partner_id == p)
            labels = ", ".join(mine.mapped("field_label"))
            partner.sudo().message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Change of %(fields)s submitted for approval by a sales manager.", fields=labels
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        self.env.user._bus_send(
            "simple_notification",
            {
                "type": "warning",
                "title": self.env._("Approval requested"),
                "message": self.env._(
                    "%(count)s change(s) of key customer information wait for a "
                    "sales manager's approval: %(changes)s.",
                    count=len(requests),
                    changes=", ".join(requests.mapped("display_name")),
                ),
            },
        )

    @api.depends_context("uid")
    def _compute_crm_change_request_count(self):
        counts = dict(
            self.env["crm.standard.change.request"]._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "pending")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.crm_change_request_count = counts.get(partner._origin, 0)

    def action_view_crm_change_requests(self):
        return self._crm_records_action(
            "crm_standard.crm_standard_change_request_action",
            context={"search_default_filter_pending": 1},
        )

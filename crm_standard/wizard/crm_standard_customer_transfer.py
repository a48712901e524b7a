"""Transfer Customers (sales managers): the customers of one salesperson
(e.g. leaving the company) to one or several colleagues, with their open
opportunities and open follow-up plans (see ``res.partner._crm_handover``)."""

import logging
from collections import Counter, defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models.crm_standard_followup_plan import OPEN_STATES
from ..models.crm_standard_grade_matrix import GRADES

_logger = logging.getLogger(__name__)

# S first: spread by grade, the key customers are dealt out first
_GRADE_RANK = {grade: rank for rank, (grade, _label) in enumerate(GRADES)}


class CrmStandardCustomerTransfer(models.TransientModel):
    _name = "crm.standard.customer.transfer"
    _description = "Transfer Customers"
    # a large transfer runs in the scheduled action: keep it until done
    _transient_max_hours = 48.0

    user_from_id = fields.Many2one(
        "res.users",
        "From Salesperson",
        required=True,
        domain="[('share', '=', False)]",
        help="Whose customers are transferred, e.g. a salesperson leaving the company.",
    )
    user_to_ids = fields.Many2many(
        "res.users",
        "crm_standard_customer_transfer_user_rel",
        "transfer_id",
        "user_id",
        "To Salespeople",
        required=True,
        domain="[('share', '=', False)]",
    )
    distribution = fields.Selection(
        [("one", "All to One"), ("even", "Spread Evenly")],
        required=True,
        default="even",
        help="All to One: every customer to the one colleague chosen. Spread Evenly: "
        "dealt out in turn to the colleagues chosen.",
    )
    by_grade = fields.Boolean(
        "Spread by Grade",
        default=True,
        help="Deal out the S customers first, then A, B and C: each colleague gets "
        "about as many key customers as the others.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "crm_standard_customer_transfer_partner_rel",
        "transfer_id",
        "partner_id",
        "Only These Customers",
        help="Leave empty to transfer every customer of the salesperson.",
    )
    move_customers = fields.Boolean("Customers", default=True)
    move_opportunities = fields.Boolean(
        "Open Opportunities", default=True, help="Open opportunities of the salesperson."
    )
    move_plans = fields.Boolean(
        "Open Follow-up Plans",
        default=True,
        help="Open follow-up plans and their reminder activities.",
    )
    customer_count = fields.Integer(compute="_compute_preview")
    opportunity_count = fields.Integer(compute="_compute_preview")
    plan_count = fields.Integer(compute="_compute_preview")
    activity_count = fields.Integer(compute="_compute_preview")
    preview = fields.Html(compute="_compute_preview", sanitize=False)
    state = fields.Selection(
        [("draft", "Draft"), ("queued", "Running"), ("done", "Done")], default="draft"
    )
    done_count = fields.Integer("Transferred", readonly=True)
    result = fields.Json(readonly=True, help="Customers transferred per colleague (user id).")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "res.partner" and context.get("active_ids"):
            partners = self.env["res.partner"].browse(context["active_ids"]).commercial_partner_id
            res.setdefault("partner_ids", [fields.Command.set(partners.ids)])
            if "user_from_id" in fields_list and len(partners.user_id) == 1:
                res.setdefault("user_from_id", partners.user_id.id)
        return res

    # ---------------------------------------------------------------------
    # Selection and preview
    # ---------------------------------------------------------------------
    def _crm_customer_domain(self):
        """The customers still to transfer: those the salesperson still owns
        (a re-run, or the next batch, finds only the rest)."""
        self.ensure_one()
        domain = [
            ("user_id", "=", self.user_from_id.id),
            ("is_crm_customer", "=", True),
            ("parent_id", "=", False),
        ]
        if self.partner_ids:
            domain.append(("id", "in", self.partner_ids.ids))
        return domain

    def _crm_targets(self):
        self.ensure_one()
        return self.user_to_ids.sorted(lambda user: user._origin.id)

    def _crm_ordered_customers(self, limit=None):
        """The customers to transfer, in the order they are dealt out: by
        grade (S first) when spread by grade, then by id. One query. With
        ``limit``, the next batch: the customers that stayed (opportunities
        only) are passed by their number already done."""
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        partners = Partner.search_fetch(self._crm_customer_domain(), ["customer_grade"], order="id")
        if self.by_grade:
            partners = partners.sorted(
                lambda p: (_GRADE_RANK.get(p.customer_grade, len(_GRADE_RANK)), p.id)
            )
        if not limit:
            return partners
        start = 0 if self.move_customers else self.done_count
        return partners[start : start + limit]

    def _crm_assign(self, partners, offset=0):
        """``{target user: customers}``: dealt out in turn from position
        ``offset`` (the customers already transferred), so that batches
        continue the same rotation."""
        targets = self._crm_targets()
        if self.distribution == "one":
            return {targets[:1]: partners}
        assignment = defaultdict(self.env["res.partner"].sudo().browse)
        for index, partner in enumerate(partners, start=offset):
            assignment[targets[index % len(targets)]] |= partner
        return dict(assignment)

    @api.depends(
        "user_from_id",
        "user_to_ids",
        "distribution",
        "by_grade",
        "partner_ids",
        "move_opportunities",
        "move_plans",
        "move_customers",
    )
    def _compute_preview(self):
        for wizard in self:
            wizard.update(
                {
                    "customer_count": 0,
                    "opportunity_count": 0,
                    "plan_count": 0,
                    "activity_count": 0,
                    "preview": False,
                }
            )
            if not wizard.user_from_id:
                continue
            partners = wizard._crm_ordered_customers()
            counts = wizard._crm_work_counts(partners)
            wizard.update(
                {
                    "customer_count": len(partners),
                    "opportunity_count": counts["opportunities"],
                    "plan_count": counts["plans"],
                    "activity_count": counts["activities"],
                }
            )
            if wizard.user_to_ids and partners:
                wizard.preview = wizard._crm_preview_table(partners)

    def _crm_work_counts(self, partners):
        """Open opportunities of the salesperson, open plans and their
        reminder activities of the salesperson, for ``partners``. Three
        grouped queries."""
        self.ensure_one()
        counts = {"opportunities": 0, "plans": 0, "activities": 0}
        if not partners:
            return counts
        uid = self.user_from_id.id
        if self.move_opportunities:
            counts["opportunities"] = (
                self.env["crm.lead"]
                .sudo()
                .search_count(
                    self.env["crm.lead"]._crm_open_opportunities_domain(partners.ids, uid)
                )
            )
        if self.move_plans:
            counts["plans"] = (
                self.env["crm.standard.followup.plan"]
                .sudo()
                .search_count([("partner_id", "in", partners.ids), ("state", "in", OPEN_STATES)])
            )
            counts["activities"] = (
                self.env["crm.standard.followup.reminder"]
                .sudo()
                .search_count(
                    [
                        ("partner_id", "in", partners.ids),
                        ("state", "=", "open"),
                        ("plan_id.state", "in", OPEN_STATES),
                        ("activity_id", "!=", False),
                        ("activity_id.user_id", "=", uid),
                    ]
                )
            )
        return counts

    def _crm_preview_table(self, partners):
        """Customers per colleague and grade, as they would be dealt out."""
        grades = [grade for grade, _label in GRADES]
        header = Markup().join(
            Markup("<th>%s</th>") % label
            for label in [self.env._("Salesperson"), *grades, self.env._("No grade")]
        )
        rows = []
        for user, mine in self._crm_assign(partners).items():
            by_grade = Counter(mine.mapped("customer_grade"))
            cells = [by_grade.get(grade, 0) for grade in grades] + [by_grade.get(False, 0)]
            rows.append(
                Markup("<tr><td>%s</td>%s</tr>")
                % (user.name, Markup().join(Markup("<td>%s</td>") % cell for cell in cells))
            )
        return Markup(
            '<table class="table table-sm"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
        ) % (header, Markup().join(rows))

    # ---------------------------------------------------------------------
    # Checks
    # ---------------------------------------------------------------------
    @api.constrains("user_from_id", "user_to_ids", "distribution")
    def _check_users(self):
        for wizard in self:
            if wizard.user_from_id in wizard.user_to_ids:
                raise ValidationError(
                    self.env._(
                        "To Salespeople: %(user)s is the salesperson the customers are "
                        "transferred from.",
                        user=wizard.user_from_id.name,
                    )
                )
            if wizard.distribution == "one" and len(wizard.user_to_ids) > 1:
                raise ValidationError(
                    self.env._(
                        "To Salespeople: 'All to One' transfers to one colleague; choose one, "
                        "or spread evenly."
                    )
                )

    def _crm_check_manager(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise UserError(
                self.env._("Transfer Customers: only sales managers transfer customers.")
            )

    # ---------------------------------------------------------------------
    # Transfer
    # ---------------------------------------------------------------------
    @api.model
    def _crm_sync_limit(self):
        """Up to this many customers the transfer runs at once; more go to
        the scheduled action, committed batch by batch. Extension point."""
        return 1000

    def action_transfer(self):
        self.ensure_one()
        self._crm_check_manager()
        if not self.user_to_ids:
            raise UserError(self.env._("To Salespeople: choose at least one colleague."))
        total = self.env["res.partner"].sudo().search_count(self._crm_customer_domain())
        if not total:
            raise UserError(
                self.env._(
                    "Customers: %(user)s has no customer left to transfer.",
                    user=self.user_from_id.name,
                )
            )
        if total > self._crm_sync_limit():
            self.state = "queued"
            self.env.ref("crm_standard.ir_cron_crm_customer_transfer")._trigger()
            return self._crm_close_with_message(
                "info",
                self.env._(
                    "%(count)s customers are transferred in the background; "
                    "the colleagues get a summary when it is done.",
                    count=total,
                ),
            )
        self._crm_transfer_run()
        return self._crm_close_with_message(
            "success", self.env._("%(count)s customers transferred.", count=self.done_count)
        )

    @api.model
    def _crm_close_with_message(self, kind, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _crm_transfer_run(self, batch_size=500):
        """Transfer everything left, batch by batch, in this transaction."""
        while self._crm_transfer_batch(batch_size):
            pass
        self._crm_transfer_finish()

    def _crm_transfer_batch(self, batch_size=500):
        """Transfer the next ``batch_size`` customers; returns how many. A
        constant number of queries per colleague, whatever the batch size."""
        self.ensure_one()
        partners = self._crm_ordered_customers(limit=batch_size)
        if not partners:
            return 0
        previous = dict.fromkeys(partners.ids, self.user_from_id.id)
        assignment = self._crm_assign(partners, offset=self.done_count)
        if self.move_customers:
            for user, mine in assignment.items():
                # the note below tells the move: no tracking message nor
                # "assigned to you" mail per customer (one summary at the end)
                mine.with_context(
                    tracking_disable=True, crm_handover_by_caller=True, crm_skip_change_request=True
                ).write({"user_id": user.id})
                mine.message_subscribe(partner_ids=user.partner_id.ids)
            partners._crm_handover(
                previous, move_opportunities=self.move_opportunities, move_plans=self.move_plans
            )
        elif self.move_opportunities:
            self._crm_move_opportunities_only(assignment)
        self._crm_log_transfer(assignment)
        result = dict(self.result or {})
        for user, mine in assignment.items():
            result[str(user.id)] = result.get(str(user.id), 0) + len(mine)
        self.write({"done_count": self.done_count + len(partners), "result": result})
        return len(partners)

    def _crm_move_opportunities_only(self, assignment):
        """The customers stay: only the salesperson's open opportunities of
        each customer go to its colleague."""
        target = {p.id: user for user, mine in assignment.items() for p in mine}
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search(
                self.env["crm.lead"]._crm_open_opportunities_domain(target, self.user_from_id.id)
            )
        )
        for user, mine in leads.grouped(
            lambda lead: target[lead.crm_commercial_partner_id.id]
        ).items():
            mine._crm_reassign(user)

    def _crm_log_transfer(self, assignment):
        """One chatter note per customer, in one batch."""
        what = [
            label
            for moved, label in (
                (self.move_customers, self.env._("customer")),
                (self.move_opportunities, self.env._("open opportunities")),
                (self.move_customers and self.move_plans, self.env._("open follow-up plans")),
            )
            if moved
        ]
        bodies = {}
        for user, mine in assignment.items():
            body = Markup("<p>%s</p>") % self.env._(
                "Transferred from %(from)s to %(to)s by %(manager)s (%(what)s).",
                **{
                    "from": self.user_from_id.name,
                    "to": user.name,
                    "manager": self.env.user.name,
                    "what": ", ".join(what),
                },
            )
            bodies.update(dict.fromkeys(mine.ids, body))
        self.env["res.partner"].sudo().browse(list(bodies))._message_log_batch(bodies)

    def _crm_transfer_finish(self):
        """One summary per receiving colleague, for the whole transfer."""
        self.ensure_one()
        Thread = self.env["mail.thread"].sudo()
        for user_id, count in (self.result or {}).items():
            user = self.env["res.users"].browse(int(user_id))
            Thread.message_notify(
                partner_ids=user.partner_id.ids,
                subject=self.env._("Customers transferred to you"),
                body=Markup("<p>%s</p>")
                % self.env._(
                    "%(manager)s transferred %(count)s customers of %(from)s to you, "
                    "with their open work.",
                    manager=self.env.user.name,
                    count=count,
                    **{"from": self.user_from_id.name},
                ),
            )
        self.state = "done"

    @api.model
    def _cron_crm_transfer(self, batch_size=500):
        """Large transfers, one batch per call: the scheduled action commits
        after each call and calls again while ``remaining`` (progress). Safe
        to re-run: a batch takes the customers the salesperson still owns."""
        wizard = self.search([("state", "=", "queued")], order="id", limit=1)
        if not wizard:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        # as the manager who asked: their name in the notes and summaries
        wizard = wizard.with_user(wizard.create_uid)
        done = wizard._crm_transfer_batch(batch_size)
        remaining = len(wizard._crm_ordered_customers()) - (
            0 if wizard.move_customers else wizard.done_count
        )
        if not remaining:
            wizard._crm_transfer_finish()
        others = self.search_count([("state", "=", "queued")])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining + others)

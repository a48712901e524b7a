import random

from odoo import api, fields, models
from odoo.exceptions import UserError

# Fields of a customer shown beside the source row in the sample check.
SAMPLE_FIELDS = ("name", "vat", "industry_id", "user_id", "phone", "mobile", "email", "city")


class CrmStandardMigrationSample(models.Model):
    _name = "crm.standard.migration.sample"
    _description = "Sample Check of a Migration Batch"
    _order = "id desc"

    batch_id = fields.Many2one(
        "crm.standard.migration.batch", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="batch_id.company_id", store=True)
    seed = fields.Integer(
        required=True,
        readonly=True,
        default=lambda self: random.SystemRandom().randint(1, 2**31 - 1),
        help="Seed of the random draw: the same seed draws the same customers again.",
    )
    sample_size = fields.Integer(default=50, required=True)
    threshold = fields.Integer(
        "Passes Required",
        help="Passes needed to sign the batch off; by default the whole sample (50/50).",
    )
    reviewer_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    line_ids = fields.One2many("crm.standard.migration.sample.line", "sample_id")
    pass_count = fields.Integer(compute="_compute_counts")
    fail_count = fields.Integer(compute="_compute_counts")
    state = fields.Selection(
        [("draft", "To Review"), ("signed_off", "Signed Off"), ("failed", "Failed")],
        default="draft",
        required=True,
    )
    date_done = fields.Datetime(readonly=True)

    @api.depends("line_ids.result")
    def _compute_counts(self):
        for sample in self:
            sample.pass_count = len(sample.line_ids.filtered(lambda line: line.result == "pass"))
            sample.fail_count = len(sample.line_ids.filtered(lambda line: line.result == "fail"))

    def _compute_display_name(self):
        for sample in self:
            sample.display_name = self.env._(
                "Sample check of %(batch)s (seed %(seed)s)",
                batch=sample.batch_id.display_name,
                seed=sample.seed,
            )

    @api.model_create_multi
    def create(self, vals_list):
        samples = super().create(vals_list)
        samples._draw()
        return samples

    def _draw_partners(self):
        """The customers drawn by the seed: the same seed, the same draw."""
        self.ensure_one()
        ids = sorted(self.batch_id.partner_ids.ids)
        return self.env["res.partner"].browse(
            random.Random(self.seed).sample(ids, min(self.sample_size, len(ids)))
        )

    def _draw(self):
        for sample in self:
            partners = sample._draw_partners()
            sources = sample.batch_id.source_rows or {}
            sample.line_ids = [fields.Command.clear()] + [
                fields.Command.create(
                    {
                        "partner_id": partner.id,
                        "source_values": "\n".join(
                            f"{column}: {value}"
                            for column, value in (sources.get(str(partner.id)) or {}).items()
                        ),
                        "imported_values": sample._imported_values(partner),
                    }
                )
                for partner in partners
            ]
            if not sample.threshold:
                sample.threshold = len(partners)

    def _imported_values(self, partner):
        lines = []
        for fname in SAMPLE_FIELDS:
            field = partner._fields.get(fname)
            if not field:
                continue
            value = partner[fname]
            value = value.display_name if field.type == "many2one" else value
            lines.append(f"{field.get_description(self.env)['string']}: {value or ''}")
        return "\n".join(lines)

    def action_sign_off(self):
        for sample in self:
            if sample.line_ids.filtered(lambda line: not line.result):
                raise UserError(
                    self.env._(
                        "Sample check: mark every customer pass or fail first (%(count)s left).",
                        count=len(sample.line_ids.filtered(lambda line: not line.result)),
                    )
                )
            sample.write(
                {
                    "state": "signed_off" if sample.pass_count >= sample.threshold else "failed",
                    "date_done": fields.Datetime.now(),
                    "reviewer_id": self.env.uid,
                }
            )
        return True

    def action_reset(self):
        self.write({"state": "draft", "date_done": False})
        return True

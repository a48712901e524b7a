from odoo import api, models


class IrSequence(models.Model):
    _inherit = "ir.sequence"

    @api.model
    def _crm_next_by_code_batch(self, code, count):
        """``count`` numbers of the sequence ``code`` (current company first,
        then shared), in one query for a standard sequence; ``None`` when no
        such sequence exists. Batch creates (customer codes, ticket numbers)
        use it instead of one ``next_by_code`` per record.
        """
        # with the columns used below: one query, not a search and a read
        sequence = self.sudo().search_fetch(
            [("code", "=", code), ("company_id", "in", [self.env.company.id, False])],
            ["implementation", "use_date_range", "prefix", "suffix", "padding"],
            order="company_id",
            limit=1,
        )
        if not sequence:
            return None
        if not count:
            return []
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence.next_by_id() for __ in range(count)]
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            [f"ir_sequence_{sequence.id:03d}", count],
        )
        return [sequence.get_next_char(row[0]) for row in self.env.cr.fetchall()]

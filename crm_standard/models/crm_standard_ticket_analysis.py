"""Ticket Analysis: the averages count answered / rated tickets only."""

from odoo import models
from odoo.tools import SQL


class CrmStandardTicket(models.Model):
    _inherit = "crm.standard.ticket"

    def _read_group_select(self, aggregate_spec, query):
        # Ticket Analysis: the averages count answered / rated tickets only
        # (Odoo stores 0, not NULL, for an unanswered or unrated ticket)
        conditions = self._crm_average_conditions()
        if aggregate_spec.endswith(":avg") and aggregate_spec[:-4] in conditions:
            fname = aggregate_spec[:-4]
            super()._read_group_select(aggregate_spec, query)  # the access checks
            return SQL(
                "AVG(CASE WHEN %s THEN %s END)",
                conditions[fname](query),
                self._field_to_sql(self._table, fname, query),
            )
        return super()._read_group_select(aggregate_spec, query)

    def _crm_average_conditions(self):
        """{measure: the SQL condition of the tickets its average counts}. Extension point."""
        table = self._table
        return {
            "first_response_hours": lambda query: SQL(
                "%s IS NOT NULL", self._field_to_sql(table, "first_response_date", query)
            ),
            "rating_last_value": lambda query: SQL(
                "%s > 0", self._field_to_sql(table, "rating_last_value", query)
            ),
        }

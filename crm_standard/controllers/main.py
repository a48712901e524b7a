import werkzeug

from odoo import http
from odoo.http import request
from odoo.tools.misc import get_lang


class CrmStandardTicketRating(http.Controller):
    """Customer satisfaction on a 1-5 scale with a comment.

    Odoo's own ``/rate`` pages take 1, 3 or 5 only; tickets ask for 1 to 5.
    """

    def _crm_rating_and_ticket(self, token):
        rating = (
            request.env["rating.rating"]
            .sudo()
            .search(
                [("access_token", "=", token), ("res_model", "=", "crm.standard.ticket")], limit=1
            )
        )
        if not rating:
            raise werkzeug.exceptions.NotFound()
        ticket = request.env["crm.standard.ticket"].sudo().browse(rating.res_id).exists()
        if not ticket:
            raise werkzeug.exceptions.NotFound()
        return rating, ticket

    @http.route(
        "/crm_standard/rate/<string:token>/<int:rate>", type="http", auth="public", website=True
    )
    def crm_ticket_rate(self, token, rate, **kwargs):
        if rate not in range(1, 6):
            raise werkzeug.exceptions.BadRequest()
        rating, ticket = self._crm_rating_and_ticket(token)
        ticket.rating_apply(
            rate,
            rating=rating,
            notify_delay_send=True,
            feedback=request.env._("Customer rated %(rate)s/5.", rate=rate),
        )
        lang = rating.partner_id.lang or get_lang(request.env).code
        return (
            request.env["ir.ui.view"]
            .with_context(lang=lang)
            ._render_template(
                "crm_standard.ticket_rating_page_submit",
                {"rating": rating, "token": token, "rate": rate, "ticket": ticket},
            )
        )

    @http.route(
        "/crm_standard/rate/<string:token>/submit",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def crm_ticket_rate_submit(self, token, rate=0, feedback=None, **kwargs):
        rate = int(rate or 0)
        if rate not in range(1, 6):
            raise werkzeug.exceptions.BadRequest()
        rating, ticket = self._crm_rating_and_ticket(token)
        ticket.rating_apply(rate, rating=rating, feedback=feedback)
        lang = rating.partner_id.lang or get_lang(request.env).code
        return (
            request.env["ir.ui.view"]
            .with_context(lang=lang)
            ._render_template(
                "rating.rating_external_page_view",
                {"web_base_url": rating.get_base_url(), "rating": rating},
            )
        )

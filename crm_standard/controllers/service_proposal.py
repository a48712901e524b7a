import werkzeug

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import consteq


def record_from_token(model, record_id, access_token):
    """The record ``record_id`` of ``model`` as superuser, when ``access_token`` is its token.

    Same answer (404) for a missing record, no token and a wrong token: a
    guesser learns nothing about which ids exist.
    """
    record = request.env[model].sudo().browse(record_id).exists()
    if (
        not record
        or not access_token
        or not record.access_token
        or not consteq(record.access_token, str(access_token))
    ):
        raise werkzeug.exceptions.NotFound()
    return record


def render_page(template, lang, values):
    return request.env["ir.ui.view"].with_context(lang=lang)._render_template(template, values)


class CrmStandardServiceProposalPortal(http.Controller):
    """The customer reads, accepts or sends back a service proposal with its token link."""

    def _crm_render(self, proposal, access_token, error=None):
        return render_page(
            "crm_standard.service_proposal_portal_page",
            proposal.lead_id.partner_id.lang or proposal.partner_id.lang,
            {"proposal": proposal, "access_token": access_token, "error": error},
        )

    @http.route("/my/crm_proposal/<int:proposal_id>", type="http", auth="public", website=True)
    def crm_proposal_page(self, proposal_id, access_token=None, **kwargs):
        proposal = record_from_token("crm.standard.service.proposal", proposal_id, access_token)
        return self._crm_render(proposal, access_token)

    @http.route(
        "/my/crm_proposal/<int:proposal_id>/answer",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def crm_proposal_answer(
        self, proposal_id, access_token=None, decision=None, name=None, comment=None, **kwargs
    ):
        proposal = record_from_token("crm.standard.service.proposal", proposal_id, access_token)
        try:
            if decision == "accept":
                proposal._crm_portal_accept(name)
            elif decision == "changes":
                proposal._crm_portal_request_changes(comment)
            else:
                raise werkzeug.exceptions.BadRequest()
        except UserError as error:
            return self._crm_render(proposal, access_token, error=error.args[0])
        return self._crm_render(proposal, access_token)

import werkzeug

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import consteq


class CrmStandardServiceProposalPortal(http.Controller):
    """The customer reads, accepts or sends back a service proposal with its token link."""

    def _crm_proposal_from_token(self, proposal_id, access_token):
        # Same answer (404) for a missing record, no token and a wrong token:
        # a guesser learns nothing about which ids exist.
        proposal = request.env["crm.standard.service.proposal"].sudo().browse(proposal_id).exists()
        if (
            not proposal
            or not access_token
            or not proposal.access_token
            or not consteq(proposal.access_token, str(access_token))
        ):
            raise werkzeug.exceptions.NotFound()
        return proposal

    def _crm_render(self, proposal, access_token, error=None):
        lang = proposal.lead_id.partner_id.lang or proposal.partner_id.lang
        return (
            request.env["ir.ui.view"]
            .with_context(lang=lang)
            ._render_template(
                "crm_standard.service_proposal_portal_page",
                {"proposal": proposal, "access_token": access_token, "error": error},
            )
        )

    @http.route("/my/crm_proposal/<int:proposal_id>", type="http", auth="public", website=True)
    def crm_proposal_page(self, proposal_id, access_token=None, **kwargs):
        proposal = self._crm_proposal_from_token(proposal_id, access_token)
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
        proposal = self._crm_proposal_from_token(proposal_id, access_token)
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

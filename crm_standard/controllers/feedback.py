import werkzeug

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import consteq


class CrmStandardFeedbackPortal(http.Controller):
    """The feedback form (客户反馈表) on its token link, no login needed."""

    def _crm_feedback_from_token(self, feedback_id, access_token):
        feedback = request.env["crm.standard.feedback"].sudo().browse(feedback_id).exists()
        if (
            not feedback
            or not access_token
            or not feedback.access_token
            or not consteq(feedback.access_token, str(access_token))
        ):
            raise werkzeug.exceptions.NotFound()
        return feedback

    def _crm_render(self, feedback, access_token, error=None):
        return (
            request.env["ir.ui.view"]
            .with_context(lang=feedback.partner_id.lang)
            ._render_template(
                "crm_standard.feedback_portal_page",
                {"feedback": feedback, "access_token": access_token, "error": error},
            )
        )

    @http.route(
        "/crm_standard/feedback/<int:feedback_id>", type="http", auth="public", website=True
    )
    def crm_feedback_page(self, feedback_id, access_token=None, **kwargs):
        feedback = self._crm_feedback_from_token(feedback_id, access_token)
        return self._crm_render(feedback, access_token)

    @http.route(
        "/crm_standard/feedback/<int:feedback_id>/submit",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def crm_feedback_submit(self, feedback_id, access_token=None, **post):
        feedback = self._crm_feedback_from_token(feedback_id, access_token)
        try:
            feedback._crm_submit(post)
        except UserError as error:
            return self._crm_render(feedback, access_token, error=error.args[0])
        return self._crm_render(feedback, access_token)

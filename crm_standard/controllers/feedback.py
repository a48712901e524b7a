from odoo import http
from odoo.exceptions import UserError

from .service_proposal import record_from_token, render_page


class CrmStandardFeedbackPortal(http.Controller):
    """The feedback form (客户反馈表) on its token link, no login needed."""

    def _crm_render(self, feedback, access_token, error=None):
        return render_page(
            "crm_standard.feedback_portal_page",
            feedback.partner_id.lang,
            {"feedback": feedback, "access_token": access_token, "error": error},
        )

    @http.route(
        "/crm_standard/feedback/<int:feedback_id>", type="http", auth="public", website=True
    )
    def crm_feedback_page(self, feedback_id, access_token=None, **kwargs):
        feedback = record_from_token("crm.standard.feedback", feedback_id, access_token)
        return self._crm_render(feedback, access_token)

    @http.route(
        "/crm_standard/feedback/<int:feedback_id>/submit",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def crm_feedback_submit(self, feedback_id, access_token=None, **post):
        feedback = record_from_token("crm.standard.feedback", feedback_id, access_token)
        try:
            feedback._crm_submit(post)
        except UserError as error:
            return self._crm_render(feedback, access_token, error=error.args[0])
        return self._crm_render(feedback, access_token)

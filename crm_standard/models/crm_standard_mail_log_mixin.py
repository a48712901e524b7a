import logging

from odoo import fields, models

_logger = logging.getLogger(__name__)


class CrmStandardMailLogMixin(models.AbstractModel):
    """A log row of a scheduled e-mail to a customer (progress report, greeting):
    inserted before sending, so that a second run never sends it again, then
    marked sent or failed by ``_crm_send_logged``."""

    _name = "crm.standard.mail.log.mixin"
    _description = "Scheduled E-mail Log"

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", index=True)
    date_sent = fields.Datetime("Sent On")
    recipient_id = fields.Many2one("res.partner", "Sent To")
    state = fields.Selection([("sent", "Sent"), ("failed", "Failed")], default="sent")
    error = fields.Text()

    def _crm_send_logged(self, template, **context):
        """Send ``template`` (on the customer) to its contact: the customer's address,
        else its first contact with one. A customer without address, or an error of
        the template, is written on the row (failed, not retried); returns True when sent."""
        self.ensure_one()
        partner = self.partner_id
        recipient = partner._crm_progress_report_recipient()
        if not recipient or not template:
            # the customer's data or the setup, not a bug: on the row, not as an error
            error = "no contact with an e-mail address" if not recipient else "no template"
            self.write({"state": "failed", "error": error})
            return False
        try:
            with self.env.cr.savepoint():
                template.with_context(**context).send_mail(
                    partner.id,
                    email_values={"recipient_ids": [(6, 0, recipient.ids)]},
                    email_layout_xmlid="mail.mail_notification_light",
                )
                self.write({"date_sent": fields.Datetime.now(), "recipient_id": recipient.id})
        except Exception as error:  # a bad customer is logged, the others are sent
            _logger.exception("crm_standard: %s failed for partner %s", self._name, partner.id)
            self.write({"state": "failed", "error": str(error)})
            return False
        return True

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartnerIndustry(models.Model):
    _inherit = "res.partner.industry"

    growth_rate = fields.Float(
        "Growth Rate (%/year)",
        digits=(16, 2),
        help="Yearly growth of the industry, in percent. With the company's "
        "thresholds it gives the industry part of the customers' potential level "
        "(by default: high above 15 %, medium from 5 to 15 %, low below 5 %).",
    )

    @api.constrains("growth_rate")
    def _check_growth_rate(self):
        for industry in self:
            if industry.growth_rate < -100:
                raise ValidationError(
                    self.env._(
                        "Growth Rate: %(rate)s %% for %(industry)s is below -100 %%.",
                        rate=industry.growth_rate,
                        industry=industry.display_name,
                    )
                )

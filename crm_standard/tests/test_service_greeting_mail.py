"""Greeting e-mails (issue 23, step 5): the admin chooses, company-wide or per
holiday, an e-mail from a template to the customer's contact instead of the
salesperson's activity; sent once per customer and occasion, with frozen dates."""

from datetime import date

from odoo.tests import freeze_time, tagged

from .common import CrmStandardCommon, TwoConnectionsCase


class GreetingMailCommon(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "crm_greeting_enabled": True,
                "crm_greeting_days_before": 3,
                "crm_greeting_mode": "mail",
            }
        )
        # the demo customers are not part of these tests
        cls.env["res.partner"].search([("is_crm_customer", "=", True)]).crm_greeting_opt_out = True
        cls.customer = cls._create_customer("Greeted Co", user_id=cls.user_salesman.id)
        cls.customer.write({"is_crm_customer": True, "founding_date": date(2010, 10, 8)})
        cls.Holiday = cls.env["crm.standard.holiday"]
        cls.national_day = cls.Holiday.create({"name": "National Day", "date": date(2027, 10, 1)})

    def setUp(self):
        super().setUp()
        self.mails_before = self.env["mail.mail"].search([]).ids

    def _mails(self, partner):
        """The e-mails sent to ``partner`` by the test (not its creation's)."""
        return self.env["mail.mail"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("id", "not in", self.mails_before),
            ]
        )

    def _greeting_activities(self, partner):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("summary", "like", "Greeting:"),
            ]
        )


@tagged("post_install", "-at_install")
class TestGreetingMails(GreetingMailCommon):
    def test_mail_mode_sends_the_template_to_the_customer_once_n_days_before(self):
        with freeze_time("2027-09-27"):
            self.Holiday._cron_crm_greetings()
        self.assertFalse(self._mails(self.customer), "4 days before: nothing yet")
        with freeze_time("2027-09-28"):
            self.assertEqual(self.Holiday._cron_crm_greetings(), 1)
            self.assertEqual(self.Holiday._cron_crm_greetings(), 0, "once")
        with freeze_time("2027-09-29"):
            self.assertEqual(self.Holiday._cron_crm_greetings(), 0)
        mail = self._mails(self.customer)
        self.assertEqual(len(mail), 1)
        self.assertIn("National Day", mail.subject)
        self.assertIn("National Day", mail.body_html)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertFalse(self._greeting_activities(self.customer), "an e-mail, not an activity")
        log = self.customer.crm_greeting_ids
        self.assertEqual(
            (log.date, log.state, log.recipient_id, log.holiday_id),
            (date(2027, 10, 1), "sent", self.customer, self.national_day),
        )

    def test_founding_anniversary_e_mail(self):
        with freeze_time("2027-10-05"):
            self.assertEqual(self.Holiday._cron_crm_greetings(), 1)
        self.assertIn("anniversary", self._mails(self.customer).subject)
        self.assertEqual(self.customer.crm_greeting_ids.occasion, "founding")

    def test_a_holiday_overrides_the_company_choice_both_ways(self):
        self.company.crm_greeting_mode = "activity"
        self.national_day.greeting_mode = "mail"
        mid_autumn = self.Holiday.create(
            {"name": "Mid-Autumn", "date": date(2027, 10, 1), "greeting_mode": "activity"}
        )
        with freeze_time("2027-09-28"):
            self.Holiday._cron_crm_greetings()
        self.assertIn("National Day", self._mails(self.customer).subject)
        self.assertEqual(self._greeting_activities(self.customer).summary, "Greeting: Mid-Autumn")
        self.assertTrue(mid_autumn)

    def test_a_holiday_template_replaces_the_company_template(self):
        template = self.env.ref("crm_standard.mail_template_greeting").copy(
            {"subject": "Happy holidays from us", "body_html": "<p>Own wishes</p>"}
        )
        self.national_day.mail_template_id = template
        with freeze_time("2027-09-28"):
            self.Holiday._cron_crm_greetings()
        self.assertEqual(self._mails(self.customer).subject, "Happy holidays from us")

    def test_company_switch_and_customer_opt_out_send_nothing(self):
        self.customer.crm_greeting_opt_out = True
        with freeze_time("2027-09-28"):
            self.assertEqual(self.Holiday._cron_crm_greetings(), 0)
        self.customer.crm_greeting_opt_out = False
        self.company.crm_greeting_enabled = False
        with freeze_time("2027-09-28"):
            self.assertEqual(self.Holiday._cron_crm_greetings(), 0)
        self.assertFalse(self._mails(self.customer))
        self.assertFalse(self.customer.crm_greeting_ids)

    def test_contact_gets_it_and_a_customer_without_address_fails_alone(self):
        no_email = self._create_customer("No Mail Co", email=False, is_crm_customer=True)
        via_contact = self._create_customer("Contact Co", email=False, is_crm_customer=True)
        contact = self.env["res.partner"].create(
            {"name": "Lin Contact", "parent_id": via_contact.id, "email": "lin@contact.example.com"}
        )
        with freeze_time("2027-09-28"):
            self.assertEqual(self.Holiday._cron_crm_greetings(), 2)
        failed = no_email.crm_greeting_ids
        self.assertEqual(failed.state, "failed")
        self.assertIn("e-mail", failed.error)
        self.assertEqual(via_contact.crm_greeting_ids.recipient_id, contact)
        self.assertEqual(self._mails(via_contact).recipient_ids, contact)
        with freeze_time("2027-09-28"):
            self.assertEqual(self.Holiday._cron_crm_greetings(), 0, "not retried")

    def test_a_template_error_is_logged_and_the_other_greetings_are_sent(self):
        broken = self.env.ref("crm_standard.mail_template_greeting").copy(
            {"body_html": '<p><t t-out="object.crm_no_such_field"/></p>'}
        )
        self.Holiday.create(
            {"name": "Mid-Autumn", "date": date(2027, 10, 1), "mail_template_id": broken.id}
        )
        with (
            freeze_time("2027-09-28"),
            self.assertLogs("odoo.addons.crm_standard.models.crm_standard_mail_log_mixin", "ERROR"),
        ):
            self.assertEqual(self.Holiday._cron_crm_greetings(), 1)
        logs = self.customer.crm_greeting_ids.sorted("occasion_name")
        self.assertEqual(logs.mapped("state"), ["failed", "sent"])
        self.assertIn("National Day", self._mails(self.customer).subject)
        with freeze_time("2027-09-28"):
            self.assertEqual(self.Holiday._cron_crm_greetings(), 0, "not retried")

    def test_settings_form_saves_the_mode_and_the_template(self):
        template = self.env.ref("crm_standard.mail_template_greeting")
        settings = self.env["res.config.settings"].create(
            {"crm_greeting_mode": "activity", "crm_greeting_template_id": template.id}
        )
        settings.execute()
        self.assertEqual(self.company.crm_greeting_mode, "activity")
        self.assertEqual(self.company._crm_greeting_template(), template)


@tagged("post_install", "-at_install")
class TestGreetingMailWorkers(TwoConnectionsCase):
    """Two greeting workers at once: the second skips the company, no e-mail twice."""

    def setUp(self):
        super().setUp()
        with self._committed_env({"tracking_disable": True}) as env:
            company = env["res.company"].create(
                {
                    # company names are unique and the company stays: one per test
                    "name": f"Greeting Workers Co {self._testMethodName}",
                    "crm_greeting_enabled": True,
                    "crm_greeting_days_before": 3,
                    "crm_greeting_mode": "mail",
                }
            )
            customer = env["res.partner"].create(
                {
                    "name": "Greeting Workers Customer",
                    "is_company": True,
                    "is_crm_customer": True,
                    "company_id": company.id,
                    "email": "workers@greeting.example.com",
                }
            )
            env["crm.standard.holiday"].create(
                {"name": "Workers Day", "date": date(2027, 5, 1), "company_id": company.id}
            )
            self.company_id, self.customer_id = company.id, customer.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._committed_env() as env:
            # customers shared by the companies (the demo's) are greeted too
            logs = env["crm.standard.greeting"].search([("company_id", "=", self.company_id)])
            env["mail.mail"].search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "in", logs.partner_id.ids),
                    ("subject", "ilike", "Workers Day"),
                ]
            ).unlink()
            logs.unlink()
            env["crm.standard.holiday"].search([("company_id", "=", self.company_id)]).unlink()
            env["res.partner"].browse(self.customer_id).unlink()
            env["res.company"].browse(self.company_id).crm_greeting_enabled = False

    def _counts(self):
        with self._committed_env() as env:
            logs = env["crm.standard.greeting"].search([("partner_id", "=", self.customer_id)])
            mails = env["mail.mail"].search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", self.customer_id),
                    ("subject", "ilike", "Workers Day"),
                ]
            )
            return len(logs), len(mails)

    def test_two_workers_at_once_send_each_greeting_once(self):
        with freeze_time("2027-04-28"):
            with self._two_workers(lock_timeout="2s") as (env1, env2):
                self.assertTrue(env1["crm.standard.holiday"]._cron_crm_greetings())
                # worker 1 holds the company: worker 2 skips it without waiting
                self.assertEqual(env2["crm.standard.holiday"]._cron_crm_greetings(), 0)
                env2.cr.commit()
                env1.cr.commit()
            with self._committed_env() as env:
                self.assertEqual(env["crm.standard.holiday"]._cron_crm_greetings(), 0, "next run")
        self.assertEqual(self._counts(), (1, 1))

    def test_worker_with_an_older_snapshot_skips_the_greetings_cleanly(self):
        with freeze_time("2027-04-28"):
            with self._two_workers() as (env1, env2):
                env2.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # worker 2's snapshot
                self.assertTrue(env1["crm.standard.holiday"]._cron_crm_greetings())
                env1.cr.commit()
                # the greetings were claimed after its snapshot: left to worker 1,
                # no serialization error (a cron error), the transaction still usable
                self.assertEqual(env2["crm.standard.holiday"]._cron_crm_greetings(), 0)
                env2.cr.execute("SELECT 1")
                env2.cr.commit()
        self.assertEqual(self._counts(), (1, 1))

    def test_two_workers_at_once_create_each_greeting_activity_once(self):
        with self._committed_env() as env:
            env["res.company"].browse(self.company_id).crm_greeting_mode = "activity"
            env["res.partner"].browse(self.customer_id).user_id = env.ref("base.user_admin")
        with freeze_time("2027-04-28"):
            with self._two_workers(lock_timeout="2s") as (env1, env2):
                self.assertTrue(env1["crm.standard.holiday"]._cron_crm_greetings())
                # worker 1 holds the company: worker 2 creates no second activity
                env2["crm.standard.holiday"]._cron_crm_greetings()
                env2.cr.commit()
                env1.cr.commit()
        with self._committed_env() as env:
            activities = env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.customer_id),
                    ("summary", "=", "Greeting: Workers Day"),
                ]
            )
            count = len(activities)
            activities.unlink()
        self.assertEqual(count, 1)

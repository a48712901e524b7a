"""Query counts of a salesperson's everyday clicks (issue 24, bench/bench_everyday.py).

Each action is one request: the action, then what the end of a request runs
(``assertQueryCount`` flushes and runs the precommit hooks: tracking, the
customer refresh). Each is run once on other records first, so that the
registry caches are warm as in a running server. A change that adds queries to
one of these paths fails here; one that removes some lowers the pinned count.
"""

from odoo.tests import tagged

from .common import CrmStandardCommon

LEAD_SPEC = {
    "name": {},
    "type": {},
    "partner_id": {"fields": {"display_name": {}}},
    "stage_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "expected_revenue": {},
    "probability": {},
    "tag_ids": {"fields": {"display_name": {}, "color": {}}},
}
PARTNER_SPEC = {
    "name": {},
    "is_company": {},
    "email": {},
    "phone": {},
    "city": {},
    "website": {},
    "user_id": {"fields": {"display_name": {}}},
    "category_id": {"fields": {"display_name": {}, "color": {}}},
}


@tagged("post_install", "-at_install")
class TestEverydayQueryCounts(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.stage_qualified = cls.env["crm.stage"].create(
            {"name": "Qualified (test)", "sequence": 2}
        )
        cls.counter = 0

    def _env(self, user):
        self.env.invalidate_all()
        return self.env(user=user, su=False, context=dict(self.env.context, uid=user.id))

    def _number(self):
        type(self).counter += 1
        return self.counter

    def _customer_with_deal(self, user):
        """A customer of ``user`` with an open opportunity and an activity."""
        n = self._number()
        customer = self._create_customer(f"Everyday Customer {n}", user_id=user.id)
        lead = self._create_opportunity(customer, user_id=user.id, expected_revenue=5000)
        activity = self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": customer.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "summary": "Call back",
                "user_id": user.id,
            }
        )
        self._run_precommit()
        return customer, lead, activity

    def _company_vals(self):
        n = self._number()
        return {
            "name": f"Everyday New Company {n}",
            "is_company": True,
            "email": f"info{n}@everyday{n}.example.com",
            "phone": f"+86 21 6{n:07d}",
        }

    # -- the actions, as the web client runs them ---------------------------------
    def _create_opportunity_for_new_company(self, env, web):
        vals = self._company_vals()
        if web:
            partner_id = env["res.partner"].web_save(vals, PARTNER_SPEC)[0]["id"]
        else:
            partner_id = env["res.partner"].create(vals).id
        lead_vals = {
            "name": f"Deal {vals['name']}",
            "type": "opportunity",
            "partner_id": partner_id,
            "user_id": env.uid,
            "stage_id": self.stage_new.id,
            "expected_revenue": 12000,
        }
        if web:
            env["crm.lead"].web_save(lead_vals, LEAD_SPEC)
        else:
            env["crm.lead"].create(lead_vals)

    def _measure(self, user, action, count, web=False):
        """Run ``action(env, records, web)`` on warm-up records, then count it
        on fresh ones."""
        for warm in (True, False):
            records = self._customer_with_deal(user)
            env = self._env(user)
            if warm:
                action(env, records, web)
                self._run_precommit()
                continue
            with self.assertQueryCount(count):
                action(env, records, web)

    def _create(self, env, _records, web):
        self._create_opportunity_for_new_company(env, web)

    def _win(self, env, records, _web):
        env["crm.lead"].browse(records[1].id).action_set_won_rainbowman()

    def _stage(self, env, records, web):
        lead = env["crm.lead"].browse(records[1].id)
        if web:
            lead.web_save({"stage_id": self.stage_qualified.id}, LEAD_SPEC)
        else:
            lead.write({"stage_id": self.stage_qualified.id})

    def _activity_done(self, env, records, _web):
        env["mail.activity"].browse(records[2].id).action_feedback(feedback="Called: OK")

    def _partner_create(self, env, _records, web):
        if web:
            env["res.partner"].web_save(self._company_vals(), PARTNER_SPEC)
        else:
            env["res.partner"].create(self._company_vals())

    def _partner_write(self, env, records, web):
        partner = env["res.partner"].browse(records[0].id)
        vals = {"city": "Hangzhou", "website": "https://www.example.com"}
        if web:
            partner.web_save(vals, PARTNER_SPEC)
        else:
            partner.write(vals)

    def _message(self, env, records, _web):
        env["res.partner"].browse(records[0].id).message_post(
            body="Spoke with the buyer.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )

    # -- as the administrator, through the ORM --------------------------------------
    def test_admin_opportunity_for_new_company_query_count(self):
        self._measure(self.admin, self._create, 68)

    def test_admin_win_query_count(self):
        self._measure(self.admin, self._win, 50)

    def test_admin_stage_move_query_count(self):
        self._measure(self.admin, self._stage, 29)

    def test_admin_activity_done_query_count(self):
        self._measure(self.admin, self._activity_done, 18)

    def test_admin_company_create_query_count(self):
        self._measure(self.admin, self._partner_create, 11)

    def test_admin_company_write_query_count(self):
        self._measure(self.admin, self._partner_write, 10)

    def test_admin_message_post_query_count(self):
        self._measure(self.admin, self._message, 11)

    # -- as a restricted salesperson, through web_save and the buttons ---------------
    def test_salesman_web_save_opportunity_for_new_company_query_count(self):
        self._measure(self.user_salesman, self._create, 76, web=True)

    def test_salesman_win_query_count(self):
        self._measure(self.user_salesman, self._win, 50, web=True)

    def test_salesman_web_save_stage_move_query_count(self):
        self._measure(self.user_salesman, self._stage, 30, web=True)

    def test_salesman_activity_done_query_count(self):
        self._measure(self.user_salesman, self._activity_done, 18, web=True)

    def test_salesman_web_save_company_create_query_count(self):
        self._measure(self.user_salesman, self._partner_create, 17, web=True)

    def test_salesman_web_save_company_write_query_count(self):
        self._measure(self.user_salesman, self._partner_write, 15, web=True)

    def test_salesman_message_post_query_count(self):
        self._measure(self.user_salesman, self._message, 11, web=True)

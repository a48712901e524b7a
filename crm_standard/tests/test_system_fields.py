"""Values the system computes or a manager approves are written by the system
only (issue 16, holes 5-8 and the smaller ones): a user's write of them, over
the paths the client uses (``write``, ``web_save``, ``create``, ``load``), is
refused with an error naming the field, whatever the context."""

import re
from contextlib import contextmanager
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .common import CrmStandardCommon

# every bypass key the addon knows, as a client could send them
BYPASS_CONTEXT = {
    "crm_skip_change_request": True,
    "crm_skip_quality_check": True,
    "crm_skip_grading": True,
    "crm_value_tag_sync": True,
    "tracking_disable": True,
}


class TestSystemSetFields(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "crm_pool_enabled": True,
                "crm_pool_claim_limit": 1,
                "crm_pool_claim_period": "month",
            }
        )
        cls.user_colleague = cls._create_colleague(login="crm_sys_colleague", name="Bo Colleague")
        cls.customer = cls._create_customer("Own Customer Co", user_id=cls.user_salesman.id)
        cls.customer.action_make_customer()
        cls.pool_customer = cls._create_customer("Pool Customer Co", user_id=False)
        cls.pool_customer.action_make_customer()
        cls.other_pool_customer = cls._create_customer("Other Pool Co", user_id=False)
        cls.other_pool_customer.action_make_customer()
        cls.own_company = cls._create_customer("Sally Holding Co", user_id=cls.user_salesman.id)
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.ticket_team = cls.env["crm.standard.ticket.team"].create(
            {
                "name": "System Fields Team",
                "assignment_method": "manual",
                "member_ids": [Command.set(cls.user_service_agent.ids)],
            }
        )
        cls.tag_grade_s = cls.env.ref("crm_standard.partner_tag_grade_s")
        cls.tag_complaint = cls.env.ref("crm_standard.partner_tag_complaint")

    @contextmanager
    def _refused(self, exception, regex=None):
        """The block fails with ``exception`` (matching ``regex``) and, as the
        request's transaction would be, is rolled back."""
        with self.assertRaisesRegex(exception, regex or ""), self.env.cr.savepoint():
            yield

    def _sally(self, records):
        return self._as(self.user_salesman, records)

    @staticmethod
    def _spec(records, fnames):
        return {fname: {} for fname in fnames}

    # ------------------------------------------------------------------
    # Hole 5: system-set customer fields
    # ------------------------------------------------------------------
    def test_salesperson_cannot_write_system_fields_of_own_customer(self):
        today = fields.Date.context_today(self.customer)
        other_level = {"high": "low"}.get(self.customer.crm_potential_level, "high")
        forged = {
            "customer_grade": "S",
            "crm_grade_manual": "S",
            "crm_grade_computed": "S",
            "crm_grade_manual_reason": "I said so",
            "crm_value_level": "high",
            "crm_potential_level": other_level,
            "revenue_12m": 99999999,
            "lifecycle_stage": "repeat",
            "lifecycle_churn_date": today,
            "last_won_date": today,
            "is_crm_customer": False,
            "crm_visibility_key": 0,
            "crm_visibility_restricted": False,
            "crm_owner_date": today - timedelta(days=1),
            "crm_pool_release_date": today,
            "crm_pool_previous_user_id": self.user_colleague.id,
            "crm_pool_claim_user_id": self.user_colleague.id,
            "crm_pool_claim_date": today,
            "completeness_score": 100,
        }
        before = self.customer.read(list(forged))[0]
        partner = self._sally(self.customer).with_context(**BYPASS_CONTEXT)
        for fname, value in forged.items():
            label = self.customer._fields[fname]._description_string(self.env)
            with self.subTest(field=fname), self._refused(AccessError, re.escape(label)):
                partner.write({fname: value})
        self.env.invalidate_all()
        self.assertEqual(self.customer.read(list(forged))[0], before)
        self.assertFalse(
            self.env["crm.standard.grade.history"].search(
                [("partner_id", "=", self.customer.id), ("source", "=", "manual")]
            )
        )

    def test_salesperson_cannot_set_the_grade_through_the_form_save(self):
        grade = self.customer.customer_grade
        partner = self._sally(self.customer)
        with self._refused(AccessError, "Manual Grade"):
            partner.web_save({"crm_grade_manual": "S"}, self._spec(partner, ["customer_grade"]))
        with self._refused(AccessError, "Grade"):
            partner.web_save({"customer_grade": "S"}, self._spec(partner, ["customer_grade"]))
        self.env.invalidate_all()
        self.assertEqual(self.customer.customer_grade, grade)
        self.assertFalse(self.customer.crm_grade_manual)

    def test_salesperson_cannot_create_a_customer_with_system_fields(self):
        Partner = self._sally(self.env["res.partner"])
        with self._refused(AccessError, "Grade"):
            Partner.create({"name": "Graded Co", "is_company": True, "customer_grade": "S"})
        # a context default is applied by create() itself: no way around
        with self._refused(AccessError, "Manual Grade"):
            Partner.with_context(default_crm_grade_manual="S").create(
                {"name": "Graded Co", "is_company": True}
            )
        with self._refused(AccessError, "Lifecycle"):
            Partner.create({"name": "Repeat Co", "is_company": True, "lifecycle_stage": "repeat"})
        self.assertFalse(
            self.env["res.partner"].search([("name", "in", ("Graded Co", "Repeat Co"))])
        )

    def test_salesperson_still_creates_and_edits_customers_from_the_form(self):
        """The Customers menu's form: its defaults (customer flag, lifecycle
        stage...) go with a new record; an edit sends the changed fields."""
        Partner = self._sally(self.env["res.partner"]).with_context(
            default_is_company=True, default_is_crm_customer=True
        )
        spec = {
            fname: {}
            for fname in (
                "name",
                "is_company",
                "is_crm_customer",
                "lifecycle_stage",
                "customer_grade",
                "email",
                "industry_id",
                "user_id",
            )
        }
        values = Partner.onchange({}, [], spec)["value"]
        values = {k: (v["id"] if isinstance(v, dict) else v) for k, v in values.items()}
        values.update(
            name="Form Made Co", email="hello@formmade.example.com", industry_id=self.industry_it.id
        )
        saved = Partner.web_save(values, spec)[0]
        self.assertTrue(saved["is_crm_customer"])
        self.assertEqual(saved["lifecycle_stage"], "potential")
        partner = self._sally(self.env["res.partner"].browse(saved["id"]))
        partner.web_save({"email": "sales@formmade.example.com"}, spec)
        self.assertEqual(partner.email, "sales@formmade.example.com")
        # a field sent with its current value (force_save, import) passes
        partner.write({"is_crm_customer": True, "lifecycle_stage": "potential"})
        manager = self._as(self.user_sales_manager, partner)
        manager.web_save({"email": "boss@formmade.example.com"}, spec)
        with self._refused(AccessError):
            manager.web_save({"customer_grade": "S"}, spec)

    def test_buttons_still_set_system_fields_for_the_salesperson(self):
        prospect = self._create_customer("Button Co", user_id=self.user_salesman.id)
        self._sally(prospect).action_make_customer()
        self.assertTrue(prospect.is_crm_customer)
        self._sally(prospect).action_mark_churned()
        self.assertEqual(prospect.lifecycle_stage, "churned")
        self._sally(prospect).action_recompute_lifecycle()
        self.assertEqual(prospect.lifecycle_stage, "potential")
        # a colleague's customer stays out of reach of the buttons
        theirs = self._create_customer("Not Mine Co", user_id=self.user_colleague.id)
        theirs.action_make_customer()
        with self._refused(AccessError):
            self._sally(theirs).action_mark_churned()

    def test_import_of_system_fields_is_refused(self):
        result = (
            self._sally(self.env["res.partner"])
            .with_context(**BYPASS_CONTEXT)
            .load(["name", "is_company", "customer_grade"], [["Imported Co", "1", "S"]])
        )
        self.assertFalse(result["ids"])
        self.assertIn("Grade", " ".join(m["message"] for m in result["messages"]))

    def test_copy_by_a_salesperson_carries_no_system_value(self):
        self.customer.sudo()._crm_set_manual_grade("S", "key account")
        copy = self._sally(self.customer).copy()
        self.assertFalse(copy.crm_grade_manual)
        self.assertNotEqual(copy.customer_grade, "S")

    def test_copy_with_a_forged_default_is_refused(self):
        with self._refused(AccessError, "Grade"):
            self._sally(self.customer).copy({"customer_grade": "S"})

    def test_computed_fields_are_not_written_by_hand(self):
        """Every stored read-only computed field is system-set too, e.g. the
        commercial entity that decides who owns a contact."""
        contact = self.env["res.partner"].create(
            {"name": "Own Contact", "parent_id": self.customer.id}
        )
        with self._refused(AccessError, "Commercial Entity"):
            self._sally(contact).write({"commercial_partner_id": self.pool_customer.id})
        self.env.invalidate_all()
        self.assertEqual(contact.commercial_partner_id, self.customer)
        ticket = self._breached_ticket()
        with self._refused(AccessError, "Customer"):
            self._as(self.user_service_agent, ticket).write(
                {"commercial_partner_id": self.pool_customer.id}
            )

    # ------------------------------------------------------------------
    # Hole 6: the public pool
    # ------------------------------------------------------------------
    def _reach_claim_limit(self):
        self._sally(self.other_pool_customer).action_crm_pool_claim()
        with self._refused(UserError, "Claims per Period"):
            self._sally(self.pool_customer).action_crm_pool_claim()

    def test_pool_customer_cannot_be_taken_by_toggling_the_customer_flag(self):
        self._reach_claim_limit()
        partner = self._sally(self.pool_customer)
        with self._refused(AccessError, "Is a Customer"):
            partner.write({"is_crm_customer": False})
        with self._refused(AccessError, "Is a Customer"):
            partner.web_save({"is_crm_customer": False}, {"is_crm_customer": {}})
        self.env.invalidate_all()
        self.assertTrue(self.pool_customer.crm_in_pool)
        self.assertFalse(self.pool_customer.user_id)
        self.assertFalse(
            self.env["crm.standard.pool.claim"].search([("partner_id", "=", self.pool_customer.id)])
        )

    def test_visibility_key_cannot_hide_a_pool_customer(self):
        partner = self._sally(self.pool_customer)
        with self._refused(AccessError, "Visibility Key"):
            partner.write({"crm_visibility_key": self.user_salesman.id})
        colleague = self._as(self.user_colleague, self.env["res.partner"])
        self.assertIn(self.pool_customer, colleague.search([("crm_in_pool", "=", True)]))

    def test_salesperson_cannot_archive_a_pool_customer(self):
        with self._refused(UserError, "Active"):
            self._sally(self.pool_customer).action_archive()
        self.env.invalidate_all()
        self.assertTrue(self.pool_customer.active)
        self._as(self.user_sales_manager, self.pool_customer).action_archive()
        self.assertFalse(self.pool_customer.active)

    def test_parent_company_cannot_take_a_customer_out_of_the_pool(self):
        self._reach_claim_limit()
        partner = self._sally(self.pool_customer)
        with self._refused(UserError, "Related Company"):
            partner.write({"parent_id": self.own_company.id})
        self.env.invalidate_all()
        self.assertFalse(self.pool_customer.parent_id)
        self.assertTrue(self.pool_customer.crm_in_pool)
        # a sales manager still files it under a company
        self._as(self.user_sales_manager, self.pool_customer).write(
            {"parent_id": self.own_company.id}
        )
        self.assertEqual(self.pool_customer.parent_id, self.own_company)

    # ------------------------------------------------------------------
    # Hole 7: context keys and automatic tags
    # ------------------------------------------------------------------
    def test_value_tag_sync_key_does_not_let_a_salesperson_add_automatic_tags(self):
        partner = self._sally(self.customer).with_context(crm_value_tag_sync=True)
        for tag in (self.tag_grade_s, self.tag_complaint):
            with self.subTest(tag=tag.name), self._refused(UserError, "Tags"):
                partner.write({"category_id": [Command.link(tag.id)]})
        with self._refused(UserError, "Tags"):
            self._sally(self.env["res.partner"]).with_context(crm_value_tag_sync=True).create(
                {"name": "Tagged Co", "category_id": [Command.set(self.tag_grade_s.ids)]}
            )
        self.env.invalidate_all()
        self.assertNotIn(self.tag_grade_s, self.customer.category_id)

    def test_value_tag_sync_key_does_not_let_a_salesperson_untick_automatic(self):
        tag = self._sally(self.tag_grade_s).with_context(crm_value_tag_sync=True)
        with self._refused(UserError, "Automatic"):
            tag.write({"is_automatic": False})
        self.assertTrue(self.tag_grade_s.is_automatic)

    def test_salesperson_cannot_rename_or_archive_automatic_tags(self):
        tag = self._sally(self.tag_grade_s)
        with self._refused(UserError, "Name"):
            tag.write({"name": "Nobody"})
        with self._refused(UserError, "Active"):
            tag.action_archive()
        self.env.invalidate_all()
        self.assertTrue(self.tag_grade_s.active)
        # the CRM Standard administrator renames them (e.g. the company's wording)
        self._as(self.user_crm_admin, self.tag_grade_s).write({"name": "Key Account"})
        self.assertEqual(self.tag_grade_s.name, "Key Account")
        # plain tags stay the salespeople's
        plain = self.env["res.partner.category"].create({"name": "Trade fair"})
        self._sally(plain).write({"name": "Trade fair 2026"})

    def test_skip_quality_check_key_does_not_save_invalid_contact_data(self):
        partner = self._sally(self.customer).with_context(crm_skip_quality_check=True)
        with self._refused(ValidationError, "E-mail"):
            partner.write({"email": "not-an-address"})
        with self._refused(ValidationError, "Phone"):
            partner.write({"phone": "call me maybe"})
        # the system (install, merge) still takes legacy data
        self.customer.with_context(crm_skip_quality_check=True).write({"phone": "legacy 123"})

    # ------------------------------------------------------------------
    # Hole 8: the SLA of a ticket
    # ------------------------------------------------------------------
    def _breached_ticket(self):
        ticket = self.env["crm.standard.ticket"].create(
            {
                "name": "Broken since last year",
                "partner_id": self.customer.id,
                "team_id": self.ticket_team.id,
                "user_id": self.user_service_agent.id,
                "date_received": fields.Datetime.now() - timedelta(days=400),
            }
        )
        self.assertEqual(ticket.sla_status, "breached")
        return ticket

    def test_agent_cannot_write_the_sla_of_their_ticket(self):
        ticket = self._breached_ticket()
        mine = self._as(self.user_service_agent, ticket).with_context(**BYPASS_CONTEXT)
        for vals in (
            {"sla_status": "on_track"},
            {"sla_compliance": 100.0},
            {"resolution_deadline": fields.Datetime.now() + timedelta(days=10)},
            {"escalated": True},
        ):
            with self.subTest(vals=vals), self._refused(AccessError):
                mine.write(vals)
        with self._refused(AccessError, "SLA Status"):
            mine.web_save({"sla_status": "on_track"}, {"sla_status": {}})
        # nor by moving the start of the SLA clock
        with self._refused(AccessError, "Received On"):
            mine.write({"date_received": fields.Datetime.now()})
        self.env.invalidate_all()
        self.assertEqual(ticket.sla_status, "breached")
        self.assertEqual(ticket.sla_compliance, 0.0)
        # the agent still works the ticket; solving it stamps the solve date
        mine.write({"stage_id": self.env.ref("crm_standard.ticket_stage_solved").id})
        self.assertTrue(ticket.solve_date)

    def test_agent_cannot_create_a_ticket_with_a_forged_number_or_sla(self):
        Ticket = self._as(self.user_service_agent, self.env["crm.standard.ticket"]).with_context(
            default_team_id=self.ticket_team.id
        )
        with self._refused(AccessError, "Ticket Number"):
            Ticket.create({"name": "Forged", "number": "TCK-000001"})
        with self._refused(AccessError, "SLA Status"):
            Ticket.create({"name": "Forged", "sla_status": "on_track"})
        # a call taken two hours ago is recorded with its reception time
        received = fields.Datetime.now() - timedelta(hours=2)
        ticket = Ticket.create({"name": "Honest", "date_received": received})
        self.assertNotEqual(ticket.number, self.env._("New"))
        self.assertEqual(ticket.date_received, received.replace(microsecond=0))

    # ------------------------------------------------------------------
    # Smaller ones
    # ------------------------------------------------------------------
    def test_change_request_with_an_impossible_value_is_refused_when_made(self):
        Request = self.env["crm.standard.change.request"]
        partner = self._sally(self.customer)
        with self._refused(ValidationError, "Annual Revenue"):
            partner.write({"annual_revenue": -5})
        with self._refused(ValidationError, "Name"):
            partner.write({"name": "x" * 1_000_000})
        self.assertFalse(Request.search([("partner_id", "=", self.customer.id)]))
        # a value that can be applied still waits for approval
        partner.write({"annual_revenue": 5000000})
        self.assertEqual(
            Request.search([("partner_id", "=", self.customer.id)]).field_name, "annual_revenue"
        )
        self.assertEqual(self.customer.annual_revenue, 0)

    def test_change_request_target_field_is_not_edited(self):
        self._sally(self.customer).write({"vat": "CN999"})
        request = self.env["crm.standard.change.request"].search(
            [("partner_id", "=", self.customer.id)]
        )
        with self._refused(UserError, "field_name"):
            self._as(self.user_sales_manager, request).write({"field_name": "user_id"})

    def test_internal_user_reads_the_team_ticket_counts(self):
        team = self._breached_ticket().team_id
        internal = new_test_user(self.env, login="crm_sys_internal", groups="base.group_user")
        counts = ["open_ticket_count", "unassigned_ticket_count", "breached_ticket_count"]
        self.assertEqual(
            self._as(internal, team).read(counts)[0],
            {"id": team.id, **dict.fromkeys(counts, 0)},
        )
        agent = self._as(self.user_service_agent, team).read(counts)[0]
        self.assertEqual((agent["open_ticket_count"], agent["breached_ticket_count"]), (1, 1))

    def test_restricted_salesperson_cannot_start_the_company_wide_regrade(self):
        Trigger = self.env["ir.cron.trigger"]
        cron = self.env.ref("crm_standard.ir_cron_crm_standard_grading")
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        with self._refused(AccessError):
            self._sally(self.env["res.config.settings"]).action_crm_recompute_grades()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before)
        self._as(self.user_sales_manager, "res.config.settings").action_crm_recompute_grades()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)

    def test_override_request_refuses_a_forged_requester_reviewer_or_comment(self):
        Override = self._sally(self.env["crm.standard.grade.override"])
        base = {"partner_id": self.customer.id, "requested_grade": "S", "reason": "Big deal"}
        for forged, label in (
            ({"requested_by_id": self.user_colleague.id}, "Requested By"),
            ({"reviewer_id": self.user_sales_manager.id}, "Reviewed By"),
            ({"review_comment": "Approved by Mona"}, "Review Comment"),
            ({"current_grade": "C"}, "Current Grade"),
        ):
            with self.subTest(field=label), self._refused(AccessError, label):
                Override.create(dict(base, **forged))
        request = Override.create(base)
        self.assertEqual(request.requested_by_id, self.user_salesman)
        self.assertEqual(request.state, "pending")
        with self._refused(AccessError, "Review Comment"):
            request.write({"review_comment": "fine by me"})
        # the sales manager comments and rejects
        manager_request = self._as(self.user_sales_manager, request)
        manager_request.write({"review_comment": "Not this year"})
        manager_request.action_reject()
        self.assertEqual(request.state, "rejected")

    def test_plan_state_moves_only_through_the_buttons(self):
        plan = self._sally(self.env["crm.standard.followup.plan"]).create(
            {
                "partner_id": self.customer.id,
                "step_ids": [
                    Command.create(
                        {
                            "name": "Call",
                            "channel": "call",
                            "cadence_count": 1,
                            "cadence_unit": "months",
                        }
                    )
                ],
            }
        )
        # the plan proposed for the customer's grade: closed, one plan at a time
        Plan = self.env["crm.standard.followup.plan"]
        (Plan.search([("partner_id", "=", self.customer.id)]) - plan)._crm_close("test")
        plan.action_cancel()
        self.assertEqual(plan.state, "cancelled")
        for state in ("submitted", "approved", "done"):
            with self.subTest(state=state), self._refused(AccessError, "State"):
                plan.write({"state": state})
        with self._refused(AccessError, "State"):
            plan.web_save({"state": "done"}, {"state": {}})
        self.env.invalidate_all()
        self.assertEqual(plan.state, "cancelled")
        # the buttons move it, with their checks
        plan.action_reset_draft()
        plan.action_submit()
        self.assertEqual(plan.state, "submitted")
        with self._refused(AccessError):
            plan.action_approve()

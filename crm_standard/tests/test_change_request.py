import threading
from functools import partial
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.service.model import retrying
from odoo.tests import new_test_user

from .common import CrmStandardCommon, TwoConnectionsCase


class TestKeyChangeRequest(CrmStandardCommon):
    """Key customer fields changed by non-managers wait for approval."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer(
            "Key Change Co", vat="CN111", user_id=cls.user_salesman.id, annual_revenue=1000000
        )
        cls.customer.action_make_customer()
        cls.prospect = cls._create_customer("Prospect Co", vat="CN222")
        cls.Request = cls.env["crm.standard.change.request"]

    def _requests(self, partner=None):
        return self.Request.search([("partner_id", "=", (partner or self.customer).id)])

    # -- diverting ---------------------------------------------------------
    def test_salesman_change_of_key_fields_becomes_pending_requests(self):
        code = self.customer.customer_code
        self._as(self.user_salesman, self.customer).write(
            {
                "name": "Key Change Renamed",
                "vat": "CN999",
                "website": "https://kc.example.com",
            }
        )
        self.env.invalidate_all()
        self.assertEqual(self.customer.name, "Key Change Co")
        self.assertEqual(self.customer.vat, "CN111")
        self.assertEqual(self.customer.website, "https://kc.example.com", "the rest applies")
        self.assertEqual(self.customer.customer_code, code)
        requests = self._requests()
        self.assertEqual(len(requests), 2)
        self.assertEqual(set(requests.mapped("state")), {"pending"})
        self.assertEqual(requests.requested_by_id, self.user_salesman)
        self.assertEqual(requests.company_id, self.company)
        by_field = {r.field_id.name: r for r in requests}
        self.assertEqual(by_field["name"].old_value_display, "Key Change Co")
        self.assertEqual(by_field["name"].new_value_display, "Key Change Renamed")
        self.assertEqual(by_field["vat"].new_value_display, "CN999")
        self.assertEqual(self.customer.with_user(self.user_salesman).crm_change_request_count, 2)

    def test_requester_is_told_by_a_note_and_a_notification(self):
        self.env.cr.precommit.data.pop("bus.bus.values", None)
        self._as(self.user_salesman, self.customer).write({"vat": "CN998"})
        note = self.customer.message_ids.filtered(
            lambda m: "submitted for approval" in (m.body or "")
        )
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.user_salesman.partner_id)
        self.assertNotIn("CN998", note.body, "values stay on the restricted request")
        sent = [
            v["message"]
            for v in self.env.cr.precommit.data.get("bus.bus.values", [])
            if "Approval requested" in v["message"]
        ]
        self.assertEqual(len(sent), 1, "a browser notification was sent")
        self.assertIn("Key Change Co: Tax ID", sent[0])

    def test_requester_follows_the_request(self):
        self._as(self.user_salesman, self.customer).write({"vat": "CN997"})
        self.assertIn(self.user_salesman.partner_id, self._requests().message_partner_ids)

    def test_credit_like_field_change_needs_approval(self):
        self._as(self.user_salesman, self.customer).write({"annual_revenue": 2500000})
        self.env.invalidate_all()
        self.assertEqual(self.customer.annual_revenue, 1000000)
        request = self._requests()
        self.assertEqual(request.field_id.name, "annual_revenue")
        self.assertEqual(request.new_value_display, "2500000.0")

    def test_clearing_a_key_field_needs_approval(self):
        self._as(self.user_salesman, self.customer).write({"vat": False})
        self.assertEqual(self.customer.vat, "CN111")
        self.assertEqual(self._requests().new_value_display, "")

    def test_unchanged_values_create_no_request(self):
        self._as(self.user_salesman, self.customer).write(
            {"name": "Key Change Co", "vat": "CN111", "annual_revenue": 1000000.0}
        )
        self.assertFalse(self._requests())

    def test_manager_writes_directly(self):
        for user in (self.user_sales_manager, self.user_crm_admin):
            self._as(user, self.customer).write({"vat": f"CN-{user.login}"})
            self.assertEqual(self.customer.vat, f"CN-{user.login}")
        self.assertFalse(self._requests())

    def test_system_paths_are_not_intercepted(self):
        self.customer.with_user(self.user_salesman).sudo().write({"vat": "CN-SUDO"})
        self.assertEqual(self.customer.vat, "CN-SUDO")
        self._as(self.user_salesman, self.customer).sudo().with_context(
            crm_skip_change_request=True
        ).write({"vat": "CN-CTX"})
        self.assertEqual(self.customer.vat, "CN-CTX")
        # a scheduled action running as a salesperson: Odoo's cron threads are
        # typed by the server (the context is the client's, see below)
        with patch.object(threading.current_thread(), "type", "cron", create=True):
            self._as(self.user_salesman, self.customer).write({"vat": "CN-CRON"})
        self.assertEqual(self.customer.vat, "CN-CRON")
        self.assertFalse(self._requests())

    def test_salesperson_context_keys_do_not_bypass_approval(self):
        """The context comes from the client over RPC: a salesperson setting
        the system paths' keys still asks for approval."""
        for key in ("crm_skip_change_request", "install_mode", "ir_cron_progress_id"):
            self._as(self.user_salesman, self.customer).with_context(**{key: 1}).write(
                {"vat": f"CN-{key}"}
            )
            self.env.invalidate_all()
            self.assertEqual(self.customer.vat, "CN111", key)
            self.assertEqual(self._requests()[:1].new_value_display, f"CN-{key}", key)
        self.assertEqual(self._requests().mapped("state"), ["pending", "rejected", "rejected"])

    def test_creating_a_customer_is_not_a_change(self):
        Partner = self.env["res.partner"].with_user(self.user_salesman)
        partner = Partner.create(
            {
                "name": "Fresh Customer",
                "is_company": True,
                "vat": "CN333",
                "is_crm_customer": True,
                "industry_id": self.industry_it.id,
                "email": "fresh@example.com",
                "annual_revenue": 10,
            }
        )
        self.assertTrue(partner.customer_code, "the code is given, not requested")
        self.assertEqual(partner.vat, "CN333")
        self.assertFalse(self._requests(partner))

    def test_non_customer_partners_are_written_directly(self):
        self._as(self.user_salesman, self.prospect).write({"vat": "CN-FREE", "name": "P2"})
        self.assertEqual((self.prospect.vat, self.prospect.name), ("CN-FREE", "P2"))
        self.assertFalse(self._requests(self.prospect))

    def test_batch_write_diverts_customers_only(self):
        partners = self._as(self.user_salesman, self.customer | self.prospect)
        partners.write({"vat": "CN-BATCH"})
        self.assertEqual(self.prospect.vat, "CN-BATCH")
        self.assertEqual(self.customer.vat, "CN111")
        self.assertEqual(self._requests().new_value_display, "CN-BATCH")

    def test_first_opportunity_by_salesman_gives_code_without_request(self):
        self.assertFalse(self.prospect.customer_code)
        self.env["crm.lead"].with_user(self.user_salesman).create(
            {
                "name": "First deal",
                "type": "opportunity",
                "partner_id": self.prospect.id,
                "user_id": self.user_salesman.id,
            }
        )
        self._run_precommit()  # opportunities refresh their customers before commit
        self.assertTrue(self.prospect.is_crm_customer)
        self.assertTrue(self.prospect.customer_code)
        self.assertFalse(self._requests(self.prospect))

    def test_internal_user_with_contact_creation_requests_and_sees_only_own(self):
        clerk = new_test_user(
            self.env,
            login="crm_clerk",
            name="Cleo Clerk",
            groups="base.group_user,base.group_partner_manager",
        )
        self._as(self.user_salesman, self.customer).write({"name": "By Sally"})
        self._as(clerk, self.customer).write({"vat": "CN-CLERK"})
        self.assertEqual(self.customer.vat, "CN111")
        all_requests = self._requests()
        self.assertEqual(len(all_requests), 2)
        mine = self._as(clerk, self.Request).search([("partner_id", "=", self.customer.id)])
        self.assertEqual(mine.mapped("field_name"), ["vat"])
        self.assertEqual(mine.requested_by_id, clerk)
        with self.assertRaises(AccessError):
            self._as(clerk, self.customer).write({"annual_revenue": 1})
        self.assertEqual(len(self._requests()), 2, "no request for a field it cannot write")

    def test_user_without_write_access_cannot_request(self):
        with self.assertRaises(AccessError):
            self._as(self.user_service_agent, self.customer).write({"vat": "CN-AGENT"})
        self.assertFalse(self._requests())

    def test_newer_request_supersedes_the_pending_one(self):
        self._as(self.user_salesman, self.customer).write({"vat": "CN-1"})
        self._as(self.user_salesman_all, self.customer).write({"vat": "CN-2"})
        old, new = self._requests().sorted("id")
        self.assertEqual((old.state, new.state), ("rejected", "pending"))
        self.assertIn("Superseded", old.comment)

    def test_key_change_fields_are_overridable_list(self):
        keys = self.env["res.partner"]._crm_key_change_fields()
        self.assertEqual(keys[:4], ["name", "vat", "customer_code", "annual_revenue"])

    # -- deciding ------------------------------------------------------------
    def test_manager_approves_and_the_change_is_applied_and_tracked(self):
        self._run_precommit()  # the customer exists before the change
        self._as(self.user_salesman, self.customer).write({"vat": "CN-NEW"})
        request = self._requests()
        self._as(self.user_sales_manager, request).action_approve()
        self._run_precommit()
        self.assertEqual(self.customer.vat, "CN-NEW")
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.approver_id, self.user_sales_manager)
        self.assertTrue(request.decision_date)
        tracking = self.customer.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "vat" and t.new_value_char == "CN-NEW"
        )
        self.assertEqual(len(tracking), 1)
        self.assertEqual(tracking.old_value_char, "CN111")
        self.assertEqual(tracking.mail_message_id.author_id, self.user_sales_manager.partner_id)
        self.assertTrue(
            self.customer.message_ids.filtered(
                lambda m: "approved by Mona Manager" in (m.body or "")
            )
        )

    def test_approving_an_outdated_request_is_refused(self):
        """A value changed since the request (here by a manager) is not
        overwritten by approving the request: it is outdated."""
        self._as(self.user_salesman, self.customer).write({"vat": "CN-REQ", "name": "Renamed"})
        self._as(self.user_sales_manager, self.customer).vat = "CN-MANAGER"
        requests = self._as(self.user_sales_manager, self._requests())
        with self.assertRaises(UserError) as error:
            requests.action_approve()
        self.assertIn("outdated", str(error.exception))
        self.assertIn("Tax ID", str(error.exception))
        self.env.invalidate_all()
        self.assertEqual((self.customer.vat, self.customer.name), ("CN-MANAGER", "Key Change Co"))
        self.assertEqual(set(self._requests().mapped("state")), {"pending"}, "nothing applied")
        vat_request = requests.filtered(lambda r: r.field_name == "vat")
        vat_request.comment = "Outdated"
        vat_request.action_reject()
        (requests - vat_request).action_approve()
        self.assertEqual((self.customer.vat, self.customer.name), ("CN-MANAGER", "Renamed"))

    def test_approving_revenue_applies_the_number(self):
        self._as(self.user_salesman, self.customer).write({"annual_revenue": 2500000})
        self._as(self.user_crm_admin, self._requests()).action_approve()
        self.assertEqual(self.customer.annual_revenue, 2500000)

    def test_reject_requires_a_comment_and_keeps_the_value(self):
        self._as(self.user_salesman, self.customer).write({"name": "Wrong Name"})
        request = self._as(self.user_sales_manager, self._requests())
        with self.assertRaises(UserError):
            request.action_reject()
        request.comment = "The registered name did not change."
        request.action_reject()
        self.assertEqual(request.state, "rejected")
        self.assertEqual(self.customer.name, "Key Change Co")
        decision = request.message_ids.filtered(lambda m: "Rejected by" in (m.body or ""))
        self.assertEqual(decision.partner_ids, self.user_salesman.partner_id)
        with self.assertRaises(UserError):
            request.action_approve()

    def test_salesman_cannot_approve_nor_force_the_state(self):
        self._as(self.user_salesman, self.customer).write({"vat": "CN-SELF"})
        request = self._as(self.user_salesman, self._requests())
        self.assertEqual(request.state, "pending", "the requester reads the request")
        with self.assertRaises(AccessError):
            request.action_approve()
        with self.assertRaises(AccessError):
            request.write({"state": "approved"})
        self.assertEqual(self.customer.vat, "CN111")
        self.assertEqual(self._requests().state, "pending")

    def test_manager_cannot_edit_workflow_fields_directly(self):
        self._as(self.user_salesman, self.customer).write({"vat": "CN-X"})
        request = self._as(self.user_sales_manager, self._requests())
        with self.assertRaises(UserError):
            request.write({"state": "approved"})
        with self.assertRaises(UserError):
            request.write({"new_value": '"CN-Y"'})
        request.write({"comment": "Checking with the customer"})
        self.assertEqual(request.comment, "Checking with the customer")

    def test_views_load_for_requester_and_manager(self):
        for user in (self.user_salesman, self.user_sales_manager, self.user_service_agent):
            views = self._as(user, self.Request).get_views(
                [(False, "list"), (False, "form"), (False, "search")]
            )
            form = views["views"]["form"]["arch"]
            self.assertIn('name="new_value_display"', form)
            self.assertEqual(
                'name="action_approve"' in form, user == self.user_sales_manager, user.name
            )
        self.assertEqual(
            self.customer.with_user(self.user_salesman).action_view_crm_change_requests()[
                "res_model"
            ],
            "crm.standard.change.request",
        )

    # -- Odoo flows ----------------------------------------------------------
    def test_lead_conversion_to_existing_customer_and_new_customer(self):
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        lead = Lead.create(
            {
                "name": "Inbound",
                "type": "lead",
                "partner_name": "Key Change Co",
                "email_from": "buyer@keychange.example.com",
                "user_id": self.user_salesman.id,
            }
        )
        wizard = (
            self.env["crm.lead2opportunity.partner"]
            .with_user(self.user_salesman)
            .with_context(active_model="crm.lead", active_id=lead.id, active_ids=lead.ids)
            .create({"name": "convert", "action": "exist", "partner_id": self.customer.id})
        )
        wizard.action_apply()
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_id, self.customer)
        lead2 = Lead.create(
            {
                "name": "Other",
                "type": "lead",
                "partner_name": "Brand New Ltd",
                "contact_name": "Buyer",
                "email_from": "b@brandnew.example.com",
                "user_id": self.user_salesman.id,
            }
        )
        wizard = (
            self.env["crm.lead2opportunity.partner"]
            .with_user(self.user_salesman)
            .with_context(active_model="crm.lead", active_id=lead2.id, active_ids=lead2.ids)
            .create({"name": "convert", "action": "create"})
        )
        wizard.action_apply()
        self._run_precommit()
        self.assertTrue(lead2.partner_id.commercial_partner_id.customer_code)
        self.assertFalse(
            self.Request.search([]).filtered(
                lambda r: r.partner_id in (self.customer | lead2.partner_id.commercial_partner_id)
            )
        )
        self.assertEqual(self.customer.name, "Key Change Co")

    def test_merge_wizard_by_non_manager_keeps_key_changes_for_approval(self):
        user = new_test_user(
            self.env,
            login="crm_merger",
            name="Max Merger",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        duplicate = self._create_customer(
            "Key Change Co Duplicate", email=self.customer.email, vat=False
        )
        no_vat = self._create_customer(
            "Key Change Without Vat", email=self.customer.email, user_id=user.id
        )
        no_vat.action_make_customer()
        # a salesperson (own documents) merges customers they own
        self.customer.user_id = user
        self.assertFalse(no_vat.vat)
        Wizard = self.env["base.partner.merge.automatic.wizard"].with_user(user)
        wizard = Wizard.with_context(active_model="res.partner").create(
            {
                "partner_ids": [Command.set((self.customer | no_vat).ids)],
                "dst_partner_id": no_vat.id,
            }
        )
        wizard.action_merge()
        self.assertFalse(self.customer.exists(), "the merge went through")
        self.assertTrue(no_vat.exists())
        self.assertFalse(no_vat.vat, "the VAT of the merged customer waits for approval")
        requests = {r.field_name: r for r in self._requests(no_vat)}
        self.assertEqual(set(requests), {"vat", "annual_revenue"})
        self.assertEqual(requests["vat"].new_value_display, "CN111")
        self.assertTrue(duplicate.exists())

    def test_merge_wizard_by_manager_writes_directly(self):
        manager = new_test_user(
            self.env,
            login="crm_merger_manager",
            name="Mia Merger",
            groups="sales_team.group_sale_manager,base.group_partner_manager",
        )
        other = self._create_customer("Key Change Other", email=self.customer.email, vat=False)
        other.action_make_customer()
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(manager)
            .with_context(active_model="res.partner")
            .create(
                {
                    "partner_ids": [Command.set((self.customer | other).ids)],
                    "dst_partner_id": other.id,
                }
            )
        )
        wizard.action_merge()
        self.assertEqual(other.vat, "CN111")
        self.assertFalse(self._requests(other))


class TestKeyChangeRequestConcurrency(TwoConnectionsCase):
    """Two managers deciding the same request at once, on two real cursors:
    applied once. The fixture is committed and removed after each test."""

    def setUp(self):
        super().setUp()
        context = {"tracking_disable": True, "crm_skip_grading": True}
        with self._committed_env(context) as env:
            partner = env["res.partner"].create(
                {"name": "Concurrent Key Co", "is_company": True, "vat": "CN-OLD"}
            )
            self.partner_id = partner.id
            request = env["crm.standard.change.request"]._crm_create_from_changes(
                [(partner, "vat", "CN-OLD", "CN-NEW")]
            )
            request.comment = "Checked with the customer"
            self.request_id = request.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._committed_env() as env:
            env["crm.standard.change.request"].browse(self.request_id).unlink()
            env["res.partner"].browse(self.partner_id).unlink()

    def _approval_notes(self):
        with self._committed_env() as env:
            return env["mail.message"].search_count(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", self.partner_id),
                    ("body", "ilike", "approved by"),
                ]
            )

    def test_key_change_after_a_concurrent_save_is_retried_not_refused(self):
        """Found by bench/load: the trial write of a requested value met a
        serialization failure and told the salesperson it "cannot be saved"."""
        with self._two_workers() as (env1, env2):
            partner = env2["res.partner"].browse(self.partner_id)
            partner.read(["vat"])  # the salesperson's snapshot
            env1.cr.execute(
                "UPDATE res_partner SET phone = '+86 21 1234 5678' WHERE id = %s",
                [self.partner_id],
            )
            env1.cr.commit()
            # as the web client's call: Odoo's retry, no error for the salesperson
            retrying(
                partial(partner._crm_check_key_change_values, [(partner, "vat", "CN-OLD", "CN-X")]),
                env2,
            )
            env2.cr.rollback()

    def test_second_manager_deciding_at_the_same_time_is_refused(self):
        with self._two_workers(lock_timeout="5s") as (env1, env2):
            env1["crm.standard.change.request"].browse(self.request_id).action_approve()
            with self.assertRaises(UserError):
                env2["crm.standard.change.request"].browse(self.request_id).action_approve()
            env1.cr.commit()
            env2.cr.commit()
        self.assertEqual(self._approval_notes(), 1)

    def test_manager_with_an_older_snapshot_is_refused(self):
        with self._two_workers(lock_timeout="5s") as (env1, env2):
            request2 = env2["crm.standard.change.request"].browse(self.request_id)
            self.assertEqual(request2.state, "pending")  # snapshot of worker 2
            env1["crm.standard.change.request"].browse(self.request_id).action_approve()
            env1.cr.commit()
            with self.assertRaises(UserError):
                request2.action_reject()
            env2.cr.commit()
        with self._committed_env() as env:
            request = env["crm.standard.change.request"].browse(self.request_id)
            self.assertEqual(request.state, "approved")
            self.assertEqual(request.partner_id.vat, "CN-NEW")
        self.assertEqual(self._approval_notes(), 1)

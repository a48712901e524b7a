"""Two managers approving two plans of one customer at once: the second gets a
clear UserError, never two approved plans. A cron or a user holding or having
changed the customer is waited for or retried, never a refusal (found by
bench/load)."""

# Two real cursors commit on purpose (fixtures cleaned up after).
# pylint: disable=invalid-commit
from functools import partial

from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import new_test_user

from .common import TwoConnectionsCase


class TestPlanApprovalLock(TwoConnectionsCase):
    def setUp(self):
        super().setUp()
        with self._committed_env() as env:
            # committed: one pair of logins per test
            self.manager1, self.manager2 = (
                new_test_user(
                    env,
                    login=f"lock_mgr_{i}_{self._testMethodName[-30:]}",
                    groups="sales_team.group_sale_manager",
                )
                for i in (1, 2)
            )
            partner = env["res.partner"].create(
                {"name": "Lock Co", "is_company": True, "is_crm_customer": True}
            )
            Plan = env["crm.standard.followup.plan"]
            Plan.search([("partner_id", "=", partner.id)]).unlink()
            today = fields.Date.context_today(Plan)
            plans = Plan.create(
                [
                    {
                        "partner_id": partner.id,
                        "step_ids": [
                            Command.create(
                                {"name": "Call", "channel": "call", "next_due_date": today}
                            )
                        ],
                    }
                    for _i in range(2)
                ]
            )
            # the first submitted; the second is submitted while it is approved
            plans[0].write({"state": "submitted"})
            self.partner_id, self.plan_ids = partner.id, plans.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._committed_env() as env:
            env["crm.standard.followup.plan"].browse(self.plan_ids).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
            # archived: their messages and records keep their author
            (self.manager1 | self.manager2).with_env(env).active = False

    def _approved(self):
        with self._committed_env() as env:
            return env["crm.standard.followup.plan"].search_count(
                [("partner_id", "=", self.partner_id), ("state", "=", "approved")]
            )

    def test_second_manager_at_the_same_time_gets_a_clear_error(self):
        with self._two_workers(self.manager1.id, self.manager2.id) as (env1, env2):
            Plan1, Plan2 = env1["crm.standard.followup.plan"], env2["crm.standard.followup.plan"]
            Plan1.browse(self.plan_ids[0]).action_approve()
            with self.assertRaisesRegex(UserError, "being submitted or approved at this moment"):
                Plan2.browse(self.plan_ids[1]).action_submit()
            env1.cr.commit()
            env2.cr.rollback()
        self.assertEqual(self._approved(), 1)

    def test_manager_whose_transaction_began_before_the_first_commit_gets_an_error(self):
        with self._two_workers(self.manager1.id, self.manager2.id) as (env1, env2):
            Plan1, Plan2 = env1["crm.standard.followup.plan"], env2["crm.standard.followup.plan"]
            # the second request takes its snapshot first
            Plan2.browse(self.plan_ids[1]).read(["state"])
            Plan1.browse(self.plan_ids[0]).action_approve()
            env1.cr.commit()
            # a serialization failure: Odoo retries the request with a fresh snapshot
            with self.assertRaises(SerializationFailure):
                Plan2.browse(self.plan_ids[1]).action_submit()
            env2.cr.rollback()
        self.assertEqual(self._approved(), 1)
        # a new attempt sees the approved plan and says why
        with self._committed_env(uid=self.manager2.id) as env:
            with self.assertRaisesRegex(UserError, "a customer follows one plan at a time"):
                env["crm.standard.followup.plan"].browse(self.plan_ids[1]).action_submit()

    def test_approval_after_a_cron_changed_the_customer_is_retried_not_refused(self):
        with self._two_workers(self.manager1.id, self.manager2.id) as (env1, env2):
            Plan2 = env2["crm.standard.followup.plan"]
            Plan2.browse(self.plan_ids[0]).read(["state"])  # the manager's snapshot
            # a cron batch regrades the customer meanwhile, and commits
            env1.cr.execute(
                "UPDATE res_partner SET customer_grade = 'A' WHERE id = %s", [self.partner_id]
            )
            env1.cr.commit()
            # as the web client's call: Odoo's retry, never an error for the manager
            retrying(partial(Plan2.browse(self.plan_ids[0]).action_approve), env2)
            env2.cr.commit()
        self.assertEqual(self._approved(), 1)

    def test_approval_waits_for_a_user_saving_the_customer_instead_of_refusing(self):
        with self._two_workers(self.manager1.id, self.manager2.id, lock_timeout="1s") as (
            env1,
            env2,
        ):
            # a salesperson's save of the customer in progress
            env1.cr.execute(
                "UPDATE res_partner SET phone = '+86 21 1234 5678' WHERE id = %s",
                [self.partner_id],
            )
            # waited for (here until the test's lock timeout, which Odoo retries)
            with self.assertRaises(LockNotAvailable):
                env2["crm.standard.followup.plan"].browse(self.plan_ids[0]).action_approve()
            env2.cr.rollback()
            env1.cr.commit()
        self.assertEqual(self._approved(), 0)

"""Two managers approving two plans of one customer at once: the customer row
is locked at approval; the second gets a clear UserError, never two approved
plans."""

# Two real cursors commit on purpose (fixtures cleaned up after).
# pylint: disable=invalid-commit
from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user

from .common import TwoConnectionsCase


class TestPlanApprovalLock(TwoConnectionsCase):
    def setUp(self):
        super().setUp()
        with self._committed_env() as env:
            self.manager1 = new_test_user(
                env, login="lock_mgr_1", groups="sales_team.group_sale_manager"
            )
            self.manager2 = new_test_user(
                env, login="lock_mgr_2", groups="sales_team.group_sale_manager"
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
            # two salespeople submitted at once (as the submit check allows
            # one at a time, written directly)
            plans.write({"state": "submitted"})
            self.partner_id, self.plan_ids = partner.id, plans.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._committed_env() as env:
            env["crm.standard.followup.plan"].browse(self.plan_ids).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
            (self.manager1 | self.manager2).with_env(env).unlink()

    def _approved(self):
        with self._committed_env() as env:
            return env["crm.standard.followup.plan"].search_count(
                [("partner_id", "=", self.partner_id), ("state", "=", "approved")]
            )

    def test_second_manager_at_the_same_time_gets_a_clear_error(self):
        with self._two_workers(self.manager1.id, self.manager2.id) as (env1, env2):
            Plan1, Plan2 = env1["crm.standard.followup.plan"], env2["crm.standard.followup.plan"]
            Plan1.browse(self.plan_ids[0]).action_approve()
            with self.assertRaisesRegex(UserError, "being approved at this moment"):
                Plan2.browse(self.plan_ids[1]).action_approve()
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
            with self.assertRaisesRegex(UserError, "being approved at this moment"):
                Plan2.browse(self.plan_ids[1]).action_approve()
            env2.cr.rollback()
        self.assertEqual(self._approved(), 1)
        # a new attempt sees the approved plan and says why
        with self._committed_env(uid=self.manager2.id) as env:
            with self.assertRaisesRegex(UserError, "a customer follows one plan at a time"):
                env["crm.standard.followup.plan"].browse(self.plan_ids[1]).action_approve()

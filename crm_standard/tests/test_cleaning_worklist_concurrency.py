"""The cleaning worklist's scheduled action run by two workers at once, and a
failing digest that does not stop the others."""

import logging
from unittest.mock import patch

from odoo.tests import tagged

from .common import CrmStandardCommon, TwoConnectionsCase

CRON_LOGGER = "odoo.addons.crm_standard.models.crm_standard_cleaning_item"


@tagged("post_install", "-at_install")
class TestCleaningWorklistConcurrency(TwoConnectionsCase):
    """Two cron workers on two real cursors: the same worklist as one worker
    builds, no duplicate item, no error, one digest per owner."""

    def setUp(self):
        super().setUp()
        self.partner_ids = []
        with self._committed_env() as env:
            env.cr.execute("SELECT coalesce(max(id), 0) FROM mail_message")
            self.first_message_id = env.cr.fetchone()[0]
        self.addCleanup(self._cleanup)
        with self._committed_env({"tracking_disable": True}) as env:
            admin = env.ref("base.user_admin")
            customer = {"is_company": True, "is_crm_customer": True, "user_id": admin.id}
            partners = env["res.partner"].create(
                [
                    {"name": "并发清洗重复有限公司", "email": "dup@concurrent.example.cn", **customer},
                    {"name": "并发清洗重复股份有限公司", "email": "dup2@concurrent.example.cn",
                     **customer},
                    {"name": "Concurrent No Salesperson Co", "is_company": True,
                     "is_crm_customer": True, "email": "orphan@concurrent.example.cn"},
                ]
            )  # fmt: skip
            self.partner_ids = partners.ids

    def _cleanup(self):
        with self._committed_env() as env:
            env["mail.message"].search(
                [("id", ">", self.first_message_id), ("subject", "=like", "Data cleaning:%")]
            ).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()
            env["crm.standard.cleaning.item"].search([]).unlink()

    def _cron(self, env):
        return env["crm.standard.cleaning.item"]._cron_crm_cleaning_worklist()

    def _worklist(self):
        """Every item of the list (duplicates would show twice)."""
        with self._committed_env() as env:
            env.cr.execute(
                "SELECT partner_id, kind, coalesce(detail, ''), coalesce(group_key, ''),"
                " coalesce(user_id, 0) FROM crm_standard_cleaning_item ORDER BY 1, 2, 3, 4"
            )
            return env.cr.fetchall()

    def _digests(self, after_id):
        with self._committed_env() as env:
            admin = env.ref("base.user_admin")
            return env["mail.message"].search_count(
                [
                    ("id", ">", after_id),
                    ("subject", "=like", "Data cleaning:%"),
                    ("partner_ids", "in", admin.partner_id.ids),
                ]
            )

    def _one_worker_worklist(self):
        with self._committed_env() as env:
            self._cron(env)
        worklist = self._worklist()
        kinds = {(pid, kind) for pid, kind, *_rest in worklist}
        self.assertIn((self.partner_ids[0], "duplicate"), kinds)
        self.assertIn((self.partner_ids[1], "duplicate"), kinds)
        self.assertIn((self.partner_ids[2], "no_salesperson"), kinds)
        with self._committed_env() as env:
            env.cr.execute("SELECT max(id) FROM mail_message")
            return worklist, env.cr.fetchone()[0]

    def test_two_workers_at_once_build_the_same_worklist_as_one(self):
        expected, last_message = self._one_worker_worklist()
        with self._two_workers(lock_timeout="5s") as (env1, env2):
            self.assertGreater(self._cron(env1), 0)
            # worker 1 holds the list: worker 2 leaves it, without waiting or failing
            with self.assertLogs(CRON_LOGGER, logging.INFO) as logs:
                self.assertEqual(self._cron(env2), 0)
            env2.cr.commit()
            env1.cr.commit()
        self.assertIn("rebuilt by another worker", logs.output[0])
        self.assertEqual(self._worklist(), expected)
        self.assertEqual(self._digests(last_message), 1)

    def test_worker_with_an_older_snapshot_leaves_the_worklist_to_the_first(self):
        expected, last_message = self._one_worker_worklist()
        with self._two_workers() as (env1, env2):
            env2.cr.execute("SELECT 1 FROM crm_standard_cleaning_item LIMIT 1")  # its snapshot
            self._cron(env1)
            env1.cr.commit()
            # the list changed since worker 2's snapshot: no outdated rebuild, no error
            self.assertEqual(self._cron(env2), 0)
            env2.cr.commit()
        self.assertEqual(self._worklist(), expected)
        self.assertEqual(self._digests(last_message), 1)
        # a later run is idempotent
        with self._committed_env() as env:
            self._cron(env)
        self.assertEqual(self._worklist(), expected)


@tagged("post_install", "-at_install")
class TestCleaningWorklistDigestFailure(CrmStandardCommon):
    def test_a_failing_digest_is_logged_and_the_other_owners_get_theirs(self):
        colleague = self._create_colleague()
        self._create_customer("Failing Owner Co", industry_id=False, is_crm_customer=True,
                              user_id=self.user_salesman.id)  # fmt: skip
        self._create_customer("Fine Owner Co", industry_id=False, is_crm_customer=True,
                              user_id=colleague.id)  # fmt: skip
        Item = self.env["crm.standard.cleaning.item"]
        original = type(Item)._crm_send_cleaning_digest

        def failing(items, user):
            if user == self.user_salesman:
                raise ValueError("broken mail template")
            return original(items, user)

        Message = self.env["mail.message"]
        before = Message.search([], order="id desc", limit=1).id
        with (
            patch.object(type(Item), "_crm_send_cleaning_digest", failing),
            self.assertLogs(CRON_LOGGER, logging.ERROR) as logs,
        ):
            Item._cron_crm_cleaning_worklist()
        self.assertIn(f"cleaning digest of user {self.user_salesman.id} failed", logs.output[0])
        digests = Message.search([("id", ">", before), ("subject", "=like", "Data cleaning:%")])
        self.assertIn(colleague.partner_id, digests.partner_ids)
        self.assertNotIn(self.user_salesman.partner_id, digests.partner_ids)
        # the worklist itself was built
        self.assertTrue(Item.search([("user_id", "=", self.user_salesman.id)]))

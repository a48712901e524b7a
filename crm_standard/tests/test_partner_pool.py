"""The public pool (公海): idle customers released by the daily cron, claimed
by salespeople within a limit, assigned by managers."""

# Two real cursors commit on purpose in TestPartnerPoolConcurrency (cleaned up after).
# pylint: disable=invalid-commit
from datetime import timedelta
from unittest.mock import patch

from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from .common import CrmStandardCommon, TwoConnectionsCase


class TestPartnerPool(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "crm_pool_enabled": True,
                "crm_pool_days": 90,
                "crm_pool_claim_limit": 2,
                "crm_pool_claim_period": "month",
            }
        )
        cls.user_colleague = cls._create_colleague(login="crm_pool_colleague")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Pool Team",
                "user_id": cls.user_sales_manager.id,
                "crm_team_member_ids": [
                    Command.create({"user_id": cls.user_salesman.id}),
                    Command.create({"user_id": cls.user_colleague.id}),
                ],
            }
        )
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.long_ago = cls.today - timedelta(days=120)

    def _idle_customer(self, name, user, since=None):
        partner = self._create_customer(name, user_id=user.id if user else False)
        partner.action_make_customer()
        partner.crm_owner_date = since or self.long_ago
        return partner

    def _digests(self, user):
        return self.env["mail.message"].search(
            [
                ("message_type", "=", "user_notification"),
                ("partner_ids", "in", user.partner_id.ids),
                ("subject", "ilike", "public pool"),
            ]
        )

    def _run_cron(self, **kwargs):
        self.env.flush_all()
        return self.env["res.partner"]._cron_crm_pool_release(**kwargs)

    # ------------------------------------------------------------------
    # Release
    # ------------------------------------------------------------------
    def test_idle_customer_released_with_note_and_digests(self):
        idle = self._idle_customer("Idle Co", self.user_salesman)
        contact = self.env["res.partner"].create({"name": "Idle Contact", "parent_id": idle.id})
        self._run_cron()
        self.assertFalse(idle.user_id)
        self.assertFalse(contact.crm_owner_user_id)
        self.assertTrue(idle.crm_in_pool)
        self.assertEqual(idle.crm_pool_previous_user_id, self.user_salesman)
        self.assertEqual(idle.crm_pool_release_date, self.today)
        note = idle.message_ids.filtered(lambda m: "Released to the public pool" in m.body)
        self.assertEqual(len(note), 1)
        self.assertIn("Sally Salesman", note.body)
        digest = self._digests(self.user_salesman)
        self.assertEqual(len(digest), 1)
        self.assertIn("Idle Co", digest.body)
        leader_digest = self._digests(self.user_sales_manager)
        self.assertEqual(len(leader_digest), 1)
        self.assertIn("Sally Salesman", leader_digest.body)

    def test_customers_being_worked_are_kept(self):
        recent = self._idle_customer("Recently Assigned Co", self.user_salesman, self.today)
        won = self._idle_customer("Won Recently Co", self.user_salesman)
        won.last_won_date = self.today - timedelta(days=10)
        open_opp = self._idle_customer("Open Opportunity Co", self.user_salesman)
        lead = self._create_opportunity(open_opp, user_id=self.user_salesman.id)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s", [self.long_ago, lead.id]
        )
        activity_done = self._idle_customer("Activity Done Co", self.user_salesman)
        activity_done.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.user_salesman.id
        ).action_feedback(feedback="Called")
        lead_activity = self._idle_customer("Lead Activity Co", self.user_salesman)
        lost = self._create_opportunity(lead_activity, user_id=self.user_salesman.id)
        lost.action_set_lost()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s, date_closed = %s WHERE id = %s",
            [self.long_ago, self.long_ago, lost.id],
        )
        lost.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.user_salesman.id
        ).action_feedback(feedback="Called about the lost deal")
        idle = self._idle_customer("Really Idle Co", self.user_salesman)
        kept = recent | won | open_opp | activity_done | lead_activity
        self._run_cron()
        self.assertFalse(idle.user_id)
        for partner in kept:
            self.assertEqual(partner.user_id, self.user_salesman, partner.name)

    def test_nothing_released_when_the_pool_is_disabled(self):
        idle = self._idle_customer("Idle Co", self.user_salesman)
        self.company.crm_pool_enabled = False
        self._run_cron()
        self.assertEqual(idle.user_id, self.user_salesman)

    def test_release_is_idempotent_and_sends_one_digest_per_run(self):
        idle = self.env["res.partner"]
        for index in range(3):
            idle |= self._idle_customer(f"Idle {index} Co", self.user_salesman)
        other = self._idle_customer("Colleague Idle Co", self.user_colleague)
        released = self._run_cron(batch_size=2)
        self.assertEqual(released[self.user_salesman], idle)
        self.assertEqual(released[self.user_colleague], other)
        self.assertEqual(len(self._digests(self.user_salesman)), 1)
        self.assertEqual(len(self._digests(self.user_colleague)), 1)
        self.assertEqual(len(self._digests(self.user_sales_manager)), 1)
        notes = idle.message_ids.filtered(lambda m: "Released" in (m.body or ""))
        self.assertEqual(len(notes), 3)
        self.assertEqual(self._run_cron(), {})
        self.assertEqual(len(self._digests(self.user_salesman)), 1)
        notes = idle.message_ids.filtered(lambda m: "Released" in (m.body or ""))
        self.assertEqual(len(notes), 3)

    def test_release_queries_do_not_grow_with_the_batch(self):
        # a first release loads the registry caches (tags, templates, settings)
        self._idle_customer("Warm-up Co", self.user_salesman)
        self._flush_tracking()
        self._run_cron()
        for index in range(2):
            self._idle_customer(f"Small {index} Co", self.user_salesman)
        self._flush_tracking()
        # 51: + a savepoint around each SELECT, + the handover (open plans closed)
        with self.assertQueryCount(__system__=51):
            self._run_cron()
        for index in range(6):
            self._idle_customer(f"Large {index} Co", self.user_salesman)
        self._flush_tracking()
        # 51: + a savepoint around each SELECT, + the handover (open plans closed)
        with self.assertQueryCount(__system__=51):
            self._run_cron()

    def test_bad_customer_is_logged_and_skipped(self):
        good = self._idle_customer("Good Co", self.user_salesman)
        bad = self._idle_customer("Bad Co", self.user_salesman)
        Partner = type(self.env["res.partner"])
        original = Partner._crm_pool_release

        def release(records, days=None):
            if bad in records:
                raise ValueError("broken customer")
            return original(records, days)

        with (
            patch.object(Partner, "_crm_pool_release", release),
            self.assertLogs("odoo.addons.crm_standard.models.res_partner_pool", "ERROR") as logs,
        ):
            self._run_cron()
        self.assertFalse(good.user_id)
        self.assertEqual(bad.user_id, self.user_salesman)
        self.assertTrue(any(str(bad.id) in line for line in logs.output))

    def test_cron_record_is_daily(self):
        cron = self.env.ref("crm_standard.ir_cron_crm_standard_pool_release")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertEqual(cron.code.strip(), "model._cron_crm_pool_release()")

    # ------------------------------------------------------------------
    # Claim and assign
    # ------------------------------------------------------------------
    def test_salesperson_sees_and_claims_pool_customer(self):
        pool = self._idle_customer("Pool Co", None)
        self.env.invalidate_all()
        Partner = self.env["res.partner"].with_user(self.user_salesman)
        self.assertEqual(Partner.search([("crm_in_pool", "=", True), ("id", "=", pool.id)]), pool)
        Partner.browse(pool.id).action_crm_pool_claim()
        self.assertEqual(pool.user_id, self.user_salesman)
        self.assertEqual(pool.crm_pool_claim_user_id, self.user_salesman)
        self.assertEqual(pool.crm_pool_claim_date, self.today)
        self.assertEqual(pool.crm_owner_date, self.today)
        self.assertIn("Claimed from the public pool", pool.message_ids[0].body)
        self.env.invalidate_all()
        # the colleague no longer sees it: it is not in the pool any more
        self.assertFalse(
            self.env["res.partner"].with_user(self.user_colleague).search([("id", "=", pool.id)])
        )

    def test_claim_limit_per_period(self):
        pools = self.env["res.partner"]
        for index in range(3):
            pools |= self._idle_customer(f"Pool {index} Co", None)
        mine = pools.with_user(self.user_salesman)
        mine[0].action_crm_pool_claim()
        mine[1].action_crm_pool_claim()
        with self.assertRaisesRegex(UserError, "Claims per Period"):
            mine[2].action_crm_pool_claim()
        self.assertFalse(pools[2].user_id)
        # the colleague has a limit of their own
        pools[2].with_user(self.user_colleague).action_crm_pool_claim()
        self.assertEqual(pools[2].user_id, self.user_colleague)
        # claims of the last period do not count
        self.env["crm.standard.pool.claim"].search([("partner_id", "in", pools[:2].ids)]).date = (
            self.today - timedelta(days=40)
        )
        pools[0].with_context(crm_skip_change_request=True).sudo().user_id = False
        pools[0].with_user(self.user_salesman).action_crm_pool_claim()
        self.assertEqual(pools[0].user_id, self.user_salesman)

    def test_claim_is_logged_and_visible_to_its_claimer_only(self):
        pool = self._idle_customer("Pool Log Co", None)
        pool.with_user(self.user_salesman).action_crm_pool_claim()
        claim = self.env["crm.standard.pool.claim"].search([("partner_id", "=", pool.id)])
        self.assertEqual(
            (claim.user_id, claim.date, claim.company_id),
            (self.user_salesman, self.today, self.company),
        )
        self.env.invalidate_all()
        Claim = self.env["crm.standard.pool.claim"]
        self.assertEqual(Claim.with_user(self.user_salesman).search([("id", "=", claim.id)]), claim)
        self.assertFalse(Claim.with_user(self.user_colleague).search([("id", "=", claim.id)]))
        self.assertEqual(
            Claim.with_user(self.user_sales_manager).search([("id", "=", claim.id)]), claim
        )

    def test_claim_released_and_claimed_by_another_still_counts_for_the_first(self):
        pools = self.env["res.partner"]
        for index in range(3):
            pools |= self._idle_customer(f"Pool Count {index} Co", None)
        pools[0].with_user(self.user_salesman).action_crm_pool_claim()
        # the customer goes back to the pool and the colleague claims it
        pools[0].crm_owner_date = self.long_ago
        released = self._run_cron()
        self.assertIn(pools[0], released[self.user_salesman])
        pools[0].with_user(self.user_colleague).action_crm_pool_claim()
        self.assertEqual(pools[0].user_id, self.user_colleague)
        Claim = self.env["crm.standard.pool.claim"]
        self.assertEqual(Claim._crm_count_claims(self.user_salesman, self.today), 1)
        self.assertEqual(Claim._crm_count_claims(self.user_colleague, self.today), 1)
        # exactly at the limit (2): one more claim is allowed, then none
        pools[1].with_user(self.user_salesman).action_crm_pool_claim()
        self.assertEqual(pools[1].user_id, self.user_salesman)
        with self.assertRaisesRegex(UserError, "already claimed 2 customers"):
            pools[2].with_user(self.user_salesman).action_crm_pool_claim()
        self.assertFalse(pools[2].user_id)

    def test_claiming_two_at_once_over_the_limit_is_refused(self):
        pools = self.env["res.partner"]
        for index in range(3):
            pools |= self._idle_customer(f"Pool Batch {index} Co", None)
        with self.assertRaisesRegex(UserError, "the limit is 2"):
            pools.with_user(self.user_salesman).action_crm_pool_claim()
        self.assertFalse(pools.user_id)
        pools[:2].with_user(self.user_salesman).action_crm_pool_claim()
        self.assertEqual(pools[:2].user_id, self.user_salesman)

    def test_claim_refused_outside_the_pool(self):
        owned = self._idle_customer("Owned Co", self.user_colleague)
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "not in the public pool"):
            owned.with_user(self.user_sales_manager).action_crm_pool_claim()
        pool = self._idle_customer("Pool Co", None)
        self.company.crm_pool_enabled = False
        with self.assertRaisesRegex(UserError, "disabled"):
            pool.with_user(self.user_sales_manager).action_crm_pool_claim()

    def test_manager_assigns_pool_customer(self):
        pool = self._idle_customer("Pool Co", None)
        pool.with_user(self.user_sales_manager)._crm_pool_assign(self.user_colleague)
        self.assertEqual(pool.user_id, self.user_colleague)
        self.assertIn("Assigned from the public pool", pool.message_ids[0].body)
        other = self._idle_customer("Other Pool Co", None)
        other.with_user(self.user_sales_manager).user_id = self.user_colleague
        self.env.invalidate_all()
        self.assertEqual(
            self.env["res.partner"]
            .with_user(self.user_colleague)
            .search([("id", "in", (pool | other).ids)]),
            pool | other,
        )

    def test_salesperson_setting_themselves_as_salesperson_claims_within_the_limit(self):
        pools = self.env["res.partner"]
        for index in range(3):
            pools |= self._idle_customer(f"Pool Field {index} Co", None)
        Claim = self.env["crm.standard.pool.claim"]
        # the form's save, with another field changed in the same save
        self._as(self.user_salesman, pools[0]).web_save(
            {"user_id": self.user_salesman.id, "comment": "Mine now"}, {"user_id": {}}
        )
        self._as(self.user_salesman, pools[1]).write({"user_id": self.user_salesman.id})
        self.assertEqual(pools[:2].user_id, self.user_salesman)
        self.assertEqual(pools[0].comment, "<p>Mine now</p>")
        self.assertEqual(pools[:2].crm_pool_claim_user_id, self.user_salesman)
        claims = Claim.search([("partner_id", "in", pools.ids)])
        self.assertEqual(claims.partner_id, pools[:2])
        self.assertEqual(claims.user_id, self.user_salesman)
        for pool in pools[:2]:
            notes = pool.message_ids.filtered(
                lambda m: "Claimed from the public pool" in (m.body or "")
            )
            self.assertEqual(len(notes), 1, pool.name)
        # the limit (2) applies as with the Claim button
        with self.assertRaisesRegex(UserError, "Claims per Period"):
            self._as(self.user_salesman, pools[2]).write({"user_id": self.user_salesman.id})
        self.assertFalse(pools[2].user_id)
        self.assertEqual(Claim.search_count([("partner_id", "in", pools.ids)]), 2)

    def test_salesperson_cannot_give_a_pool_customer_to_someone_else(self):
        pool = self._idle_customer("Pool Handover Co", None)
        with self.assertRaisesRegex(UserError, "Salesperson: .*only sales managers assign"):
            self._as(self.user_salesman, pool).write(
                {"user_id": self.user_colleague.id, "comment": "For Colin"}
            )
        self.assertFalse(pool.user_id)
        self.assertFalse(pool.comment)
        self.assertFalse(self.env["crm.standard.pool.claim"].search([("partner_id", "=", pool.id)]))

    def test_salesperson_field_unchanged_for_managers_and_owned_customers(self):
        pool = self._idle_customer("Pool Managed Co", None)
        self._as(self.user_sales_manager, pool).write({"user_id": self.user_colleague.id})
        self.assertEqual(pool.user_id, self.user_colleague)
        # a manager's assignment is no claim, and it is not limited
        self.assertFalse(self.env["crm.standard.pool.claim"].search([("partner_id", "=", pool.id)]))
        owned = self._idle_customer("Owned Field Co", self.user_salesman)
        self._as(self.user_salesman, owned).write({"user_id": self.user_salesman.id})
        self.assertEqual(owned.user_id, self.user_salesman)
        self.assertFalse(
            self.env["crm.standard.pool.claim"].search([("partner_id", "=", owned.id)])
        )

    def test_salesperson_takes_an_unowned_customer_freely_where_the_pool_is_disabled(self):
        self.company.crm_pool_enabled = False
        unowned = self._idle_customer("No Pool Field Co", None)
        # visible to them through their opportunity
        self._create_opportunity(unowned, user_id=self.user_salesman.id)
        self._as(self.user_salesman, unowned).write({"user_id": self.user_salesman.id})
        self.assertEqual(unowned.user_id, self.user_salesman)
        self.assertFalse(
            self.env["crm.standard.pool.claim"].search([("partner_id", "=", unowned.id)])
        )

    def test_claim_follows_the_pool_settings_of_the_customer_company(self):
        branch = self.env["res.company"].create(
            {
                "name": "Pool Branch Co",
                "crm_pool_enabled": True,
                "crm_pool_claim_limit": 1,
                "crm_pool_claim_period": "month",
            }
        )
        # the salesperson works in the main company, whose pool is disabled
        self.company.crm_pool_enabled = False
        self.user_salesman.company_ids += branch
        pools = self.env["res.partner"]
        for index in range(2):
            pools |= self._create_customer(
                f"Branch Pool {index} Co", user_id=False, company_id=branch.id
            )
        pools.action_make_customer()
        self.assertTrue(all(pools.mapped("crm_in_pool")))
        self._as(self.user_salesman, pools[0]).action_crm_pool_claim()
        self.assertEqual(pools[0].user_id, self.user_salesman)
        claim = self.env["crm.standard.pool.claim"].search([("partner_id", "=", pools[0].id)])
        self.assertEqual(claim.company_id, branch)
        # the branch's limit (1), not the main company's (2)
        with self.assertRaisesRegex(UserError, "the limit is 1"):
            self._as(self.user_salesman, pools[1]).action_crm_pool_claim()
        self.assertFalse(pools[1].user_id)
        # a shared customer follows the current company: its pool is disabled
        shared = self._idle_customer("Shared Pool Co", None)
        self.assertFalse(shared.company_id)
        with self.assertRaisesRegex(UserError, "disabled"):
            self._as(self.user_sales_manager, shared).action_crm_pool_claim()

    def test_strict_mode_does_not_block_the_pool(self):
        """Release, claim and assignment are no edits of the customer: an
        incomplete customer goes through the pool in strict mode."""
        idle = self._idle_customer("Strict Idle Co", self.user_salesman)
        pool = self._idle_customer("Strict Pool Co", None)
        (idle | pool).industry_id = False
        self.company.crm_strict_required_fields = True
        released = self._run_cron()
        self.assertFalse(idle.user_id)
        self.assertIn(idle, released[self.user_salesman])
        idle.with_user(self.user_salesman).action_crm_pool_claim()
        self.assertEqual(idle.user_id, self.user_salesman)
        pool.with_user(self.user_sales_manager)._crm_pool_assign(self.user_colleague)
        self.assertEqual(pool.user_id, self.user_colleague)

    def test_pool_settings_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "Release After"), self.env.cr.savepoint():
            self.company.crm_pool_days = 0
        self.company.invalidate_recordset()
        with self.assertRaisesRegex(ValidationError, "Claims per Period"), self.env.cr.savepoint():
            self.company.crm_pool_claim_limit = -1
        self.company.invalidate_recordset()
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.crm_pool_enabled)
        self.assertEqual(settings.crm_pool_days, 90)


class TestPartnerPoolConcurrency(TwoConnectionsCase):
    """Two workers on two real cursors: the release cron and claims.

    The fixture (idle customers, the pool settings) is committed, and removed
    (restored) after each test."""

    COUNT = 4

    def setUp(self):
        super().setUp()
        self.partner_ids, self.user_ids = [], []
        with self._committed_env({"tracking_disable": True}) as env:
            company = env.ref("base.main_company")
            self.settings = company.read(["crm_pool_enabled", "crm_pool_claim_limit"])[0]
            company.write({"crm_pool_enabled": True, "crm_pool_claim_limit": 0})
            users = env["res.users"].create(
                [
                    {
                        "name": f"Pool Worker {login}",
                        "login": f"crm_pool_worker_{login}",
                        "company_id": company.id,
                        "company_ids": [Command.set(company.ids)],
                        "groups_id": [Command.set(env.ref("sales_team.group_sale_salesman").ids)],
                    }
                    for login in ("owner", "first", "second")
                ]
            )
            self.user_ids = users.ids
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"Concurrent Pool {index} Co",
                        "is_company": True,
                        "is_crm_customer": True,
                        "user_id": users[0].id,
                        "company_id": company.id,
                    }
                    for index in range(self.COUNT)
                ]
            )
            long_ago = fields.Date.context_today(partners) - timedelta(days=400)
            partners.write({"crm_owner_date": long_ago})
            self.partner_ids = partners.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._committed_env() as env:
            env["mail.message"].search(
                [("model", "=", "res.partner"), ("res_id", "in", self.partner_ids)]
            ).unlink()
            users = env["res.users"].browse(self.user_ids)
            env["mail.message"].search([("partner_ids", "in", users.partner_id.ids)]).unlink()
            env["crm.standard.pool.claim"].search([("partner_id", "in", self.partner_ids)]).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()
            partners = users.partner_id
            users.unlink()
            partners.unlink()
            env.ref("base.main_company").write(
                {key: value for key, value in self.settings.items() if key != "id"}
            )

    def _state(self):
        """{partner id: (salesperson id, release notes)} as committed."""
        with self._committed_env() as env:
            notes = env["mail.message"].search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "in", self.partner_ids),
                    ("body", "ilike", "Released to the public pool"),
                ]
            )
            counts = {pid: notes.mapped("res_id").count(pid) for pid in self.partner_ids}
            return {
                partner.id: (partner.user_id.id, counts[partner.id])
                for partner in env["res.partner"].browse(self.partner_ids)
            }

    @staticmethod
    def _ours(released, partner_ids):
        return {pid for partners in released.values() for pid in partners.ids if pid in partner_ids}

    def test_two_workers_at_once_release_each_customer_once(self):
        with self._two_workers(lock_timeout="5s") as (env1, env2):
            # worker 1 holds the customers (not committed yet), worker 2 runs
            # meanwhile: it skips them instead of waiting (no deadlock)
            first = env1["res.partner"]._cron_crm_pool_release(batch_size=3)
            second = env2["res.partner"]._cron_crm_pool_release(batch_size=3)
            self.assertEqual(self._ours(first, self.partner_ids), set(self.partner_ids))
            self.assertEqual(self._ours(second, self.partner_ids), set())
            env1.cr.commit()
            env2.cr.commit()
        self.assertEqual(
            self._state(), dict.fromkeys(self.partner_ids, (False, 1)), "released once each"
        )

    def test_worker_with_an_older_snapshot_releases_nothing_twice(self):
        with self._two_workers(lock_timeout="5s") as (env1, env2):
            env2.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # snapshot of worker 2
            first = env1["res.partner"]._cron_crm_pool_release()
            env1.cr.commit()
            # worker 2 still sees the customers as owned and idle
            second = env2["res.partner"]._cron_crm_pool_release()
            env2.cr.commit()
            self.assertEqual(self._ours(first, self.partner_ids), set(self.partner_ids))
            self.assertEqual(self._ours(second, self.partner_ids), set())
        self.assertEqual(self._state(), dict.fromkeys(self.partner_ids, (False, 1)))
        # a later run is idempotent
        with self._committed_env() as env:
            self.assertFalse(
                self._ours(env["res.partner"]._cron_crm_pool_release(), self.partner_ids)
            )
        self.assertEqual(self._state(), dict.fromkeys(self.partner_ids, (False, 1)))

    def _release_all(self):
        with self._committed_env() as env:
            env["res.partner"]._cron_crm_pool_release()

    def test_second_claimer_at_once_gets_an_error_not_an_overwrite(self):
        self._release_all()
        __, first_id, second_id = self.user_ids
        partner_id = self.partner_ids[0]
        with self._two_workers(first_id, second_id, lock_timeout="5s") as (env1, env2):
            env1["res.partner"].browse(partner_id).action_crm_pool_claim()
            # the first claim is not committed yet: its lock refuses the second
            with self.assertRaisesRegex(UserError, "someone else claimed"):
                env2["res.partner"].browse(partner_id).action_crm_pool_claim()
            env1.cr.commit()
            env2.cr.rollback()
        self._assert_claimed_by(partner_id, first_id)

    def test_second_claimer_with_an_older_snapshot_gets_an_error(self):
        self._release_all()
        __, first_id, second_id = self.user_ids
        partner_id = self.partner_ids[0]
        with self._two_workers(first_id, second_id, lock_timeout="5s") as (env1, env2):
            env2.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # snapshot of claimer 2
            env1["res.partner"].browse(partner_id).action_crm_pool_claim()
            env1.cr.commit()
            # claimer 2 still sees the customer in the pool
            with self.assertRaisesRegex(UserError, "someone else claimed"):
                env2["res.partner"].browse(partner_id).action_crm_pool_claim()
            env2.cr.rollback()
        self._assert_claimed_by(partner_id, first_id)

    def _set_claim_limit(self, limit):
        with self._committed_env() as env:
            env.ref("base.main_company").crm_pool_claim_limit = limit

    def _claimed(self, user_id):
        """{partner id: salesperson id} and the claims of ``user_id``, as committed."""
        with self._committed_env() as env:
            partners = env["res.partner"].browse(self.partner_ids)
            claims = env["crm.standard.pool.claim"].search(
                [("partner_id", "in", self.partner_ids), ("user_id", "=", user_id)]
            )
            return {p.id: p.user_id.id for p in partners}, claims.partner_id.ids

    def test_same_claimer_twice_at_once_waits_for_its_first_claim(self):
        self._release_all()
        self._set_claim_limit(1)
        __, first_id, __ = self.user_ids
        first, second = self.partner_ids[:2]
        with self._two_workers(first_id, first_id, lock_timeout="1s") as (env1, env2):
            env1["res.partner"].browse(first).action_crm_pool_claim()
            # the first claim is not committed yet: the second one waits for
            # it (here until lock_timeout) instead of counting without it
            with self.assertRaises(LockNotAvailable), mute_logger("odoo.sql_db"):
                env2["res.partner"].browse(second).action_crm_pool_claim()
            env2.cr.rollback()
            env1.cr.commit()
            # Odoo retries the request: it now counts the first claim
            with self.assertRaisesRegex(UserError, "Claims per Period"):
                env2["res.partner"].browse(second).action_crm_pool_claim()
            env2.cr.rollback()
        owners, claimed = self._claimed(first_id)
        self.assertEqual((owners[first], owners[second]), (first_id, False))
        self.assertEqual(claimed, [first])

    def test_same_claimer_with_an_older_snapshot_stays_within_the_limit(self):
        self._release_all()
        self._set_claim_limit(1)
        __, first_id, __ = self.user_ids
        first, second = self.partner_ids[:2]
        with self._two_workers(first_id, first_id, lock_timeout="5s") as (env1, env2):
            env2.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # snapshot of request 2
            env1["res.partner"].browse(first).action_crm_pool_claim()
            env1.cr.commit()
            # request 2 does not see the first claim: it must not count
            # without it, but fail so that Odoo retries it
            with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                env2["res.partner"].browse(second).action_crm_pool_claim()
            env2.cr.rollback()
            with self.assertRaisesRegex(UserError, "Claims per Period"):
                env2["res.partner"].browse(second).action_crm_pool_claim()
            env2.cr.rollback()
        owners, claimed = self._claimed(first_id)
        self.assertEqual((owners[first], owners[second]), (first_id, False))
        self.assertEqual(claimed, [first])

    def _assert_claimed_by(self, partner_id, user_id):
        with self._committed_env() as env:
            self.assertEqual(env["res.partner"].browse(partner_id).user_id.id, user_id)
            claims = env["crm.standard.pool.claim"].search([("partner_id", "=", partner_id)])
            self.assertEqual(claims.user_id.ids, [user_id], "one claim, the first claimer's")

from unittest.mock import patch

from odoo.tests import tagged

from .common import CrmStandardCommon


class StageCase(CrmStandardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_qualified = cls.env["crm.stage"].create({"name": "Qualified (t)", "sequence": 2})
        cls.stage_proposal = cls.env["crm.stage"].create({"name": "Proposal (t)", "sequence": 3})
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Team (t)",
                "user_id": cls.user_sales_manager.id,
                "member_ids": [(4, cls.user_salesman.id)],
            }
        )
        cls.customer = cls._create_customer("Stage Co", user_id=cls.user_salesman.id)

    def _lead(self, name="Deal", stage=None, **vals):
        values = {
            "name": name,
            "type": "opportunity",
            "partner_id": self.customer.id,
            "stage_id": (stage or self.stage_new).id,
            "team_id": self.team.id,
            "user_id": self.user_salesman.id,
            "expected_revenue": 1000,
        }
        values.update(vals)
        return self.env["crm.lead"].create(values)

    def _history(self, leads):
        return self.env["crm.standard.stage.history"].search(
            [("lead_id", "in", leads.ids)], order="id"
        )


@tagged("post_install", "-at_install")
class TestStageHistory(StageCase):
    def test_stage_change_is_recorded_with_who_when_and_time_in_stage(self):
        lead = self._lead()
        lead.with_user(self.user_salesman).write({"stage_id": self.stage_qualified.id})
        create, move = self._history(lead)
        self.assertEqual((create.kind, create.to_stage_id), ("create", self.stage_new))
        self.assertFalse(create.from_stage_id)
        self.assertEqual(move.kind, "stage")
        self.assertEqual(
            (move.from_stage_id, move.to_stage_id), (self.stage_new, self.stage_qualified)
        )
        self.assertEqual(move.changed_by_id, self.user_salesman)
        self.assertEqual(move.user_id, self.user_salesman)
        self.assertEqual(move.team_id, self.team)
        self.assertEqual(move.expected_revenue, 1000)
        self.assertGreaterEqual(move.duration_seconds, 0)

    def test_same_stage_written_again_records_nothing(self):
        lead = self._lead()
        lead.write({"stage_id": self.stage_new.id, "name": "Renamed"})
        self.assertEqual(self._history(lead).mapped("kind"), ["create"])

    def test_won_and_lost_are_transitions_and_lost_keeps_its_reason(self):
        won, lost = self._lead("Won deal"), self._lead("Lost deal")
        won.write({"stage_id": self.stage_won.id})
        reason = self.env["crm.lost.reason"].create({"name": "Too expensive (t)"})
        lost.action_set_lost(lost_reason_id=reason.id)
        self.assertEqual(self._history(won)[-1].kind, "won")
        last = self._history(lost)[-1]
        self.assertEqual((last.kind, last.lost_reason_id), ("lost", reason))
        lost.action_unarchive()
        self.assertEqual(self._history(lost)[-1].kind, "restored")

    def test_history_costs_the_same_queries_for_2_and_20_leads(self):
        """One INSERT per write, not one per lead: what the history adds to a
        write does not grow with the number of leads moved."""
        Lead = type(self.env["crm.lead"])
        original = Lead._crm_record_stage_history

        def extra_queries(count, stage):
            leads = self.env["crm.lead"].browse([self._lead(f"L{i}").id for i in range(count)])
            self.env.flush_all()
            self.env.invalidate_all()
            counts = []
            for record in (True, False):
                with patch.object(
                    Lead,
                    "_crm_record_stage_history",
                    original if record else lambda self, before: None,
                ):
                    start = self.env.cr.sql_log_count
                    leads.write({"stage_id": stage.id if record else self.stage_new.id})
                    self.env.flush_all()
                    counts.append(self.env.cr.sql_log_count - start)
                    self.env.invalidate_all()
            return counts[0] - counts[1]

        self.env["crm.standard.stage.rule"].search([]).active = False
        self.assertEqual(
            extra_queries(2, self.stage_qualified), extra_queries(20, self.stage_qualified)
        )

    def test_rebuild_from_tracking_restores_the_history_of_existing_leads(self):
        lead = self._lead()
        self._flush_tracking()
        lead.write({"stage_id": self.stage_qualified.id})
        self._flush_tracking()
        lead.write({"stage_id": self.stage_proposal.id})
        self._flush_tracking()
        lost = self._lead("Old lost")
        lost.write({"active": False, "probability": 0})
        self.env["crm.standard.stage.history"].search(
            [("lead_id", "in", (lead | lost).ids)]
        ).unlink()

        History = self.env["crm.standard.stage.history"]
        History._crm_rebuild_from_tracking()
        rows = self._history(lead)
        self.assertEqual(
            [(r.kind, r.from_stage_id, r.to_stage_id) for r in rows],
            [
                ("create", self.env["crm.stage"], self.stage_new),
                ("stage", self.stage_new, self.stage_qualified),
                ("stage", self.stage_qualified, self.stage_proposal),
            ],
        )
        self.assertEqual(self._history(lost)[-1].kind, "lost")
        # idempotent: leads with a history are left alone
        self.assertEqual(History._crm_rebuild_from_tracking(), 0)

    def test_salesperson_reads_the_history_of_their_own_leads_only(self):
        colleague = self._create_colleague()
        mine = self._lead("Mine")
        theirs = self._lead("Theirs", user_id=colleague.id)
        rows = self._as(self.user_salesman, "crm.standard.stage.history").search(
            [("lead_id", "in", (mine | theirs).ids)]
        )
        self.assertEqual(rows.lead_id, mine)

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_stage_history import StageCase


@tagged("post_install", "-at_install")
class TestStageRules(StageCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.standard.stage.rule"].search([]).active = False
        cls.rule = cls.env["crm.standard.stage.rule"].create(
            {
                "name": "Qualified to proposal",
                "from_stage_ids": [(6, 0, cls.stage_qualified.ids)],
                "to_stage_ids": [(6, 0, cls.stage_proposal.ids)],
                "recipient_type": "team_leader",
                "action": "activity",
                "activity_deadline_days": 1,
            }
        )

    def _leader_activities(self, leads):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", leads.ids),
                ("user_id", "=", self.user_sales_manager.id),
            ]
        )

    def test_salesperson_move_gives_the_team_leader_a_todo_due_tomorrow(self):
        lead = self._lead(stage=self.stage_qualified)
        self._as(self.user_salesman, lead).write({"stage_id": self.stage_proposal.id})
        activity = self._leader_activities(lead)
        self.assertEqual(len(activity), 1)
        self.assertEqual(
            activity.date_deadline, fields.Date.context_today(activity) + timedelta(days=1)
        )
        notice = self.rule.notice_ids
        self.assertEqual((notice.state, notice.recipient_id), ("done", self.user_sales_manager))
        self.assertEqual(notice.activity_id, activity)

    def test_only_the_configured_transition_fires(self):
        lead = self._lead()  # created in New: on_create is off
        lead.write({"stage_id": self.stage_proposal.id})  # New -> Proposal: wrong origin
        lead.write({"stage_id": self.stage_qualified.id})
        lead.write({"stage_id": self.stage_qualified.id})  # unchanged
        self.assertFalse(self.rule.notice_ids)
        self._lead("Born in proposal", stage=self.stage_proposal)
        self.assertFalse(self.rule.notice_ids)

    def test_on_create_fires_when_the_rule_says_so(self):
        self.rule.write({"on_create": True, "from_stage_ids": [(5,)]})
        lead = self._lead("Born in proposal", stage=self.stage_proposal)
        self.assertEqual(len(self._leader_activities(lead)), 1)

    def test_one_write_of_20_leads_sends_20_notices_once(self):
        leads = self.env["crm.lead"].browse(
            [self._lead(f"L{i}", stage=self.stage_qualified).id for i in range(20)]
        )
        self._as(self.user_salesman, leads).write({"stage_id": self.stage_proposal.id})
        leads.write({"stage_id": self.stage_proposal.id})  # again: no change, no notice
        self.assertEqual(len(self.rule.notice_ids), 20)
        self.assertEqual(len(self._leader_activities(leads)), 20)

    def test_failing_rule_never_blocks_the_move_and_is_retried_three_times(self):
        template = self.env["mail.template"].create(
            {
                "name": "Broken (t)",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "subject": "{{ object.no_such_field }}",
                "body_html": "<p>x</p>",
            }
        )
        self.rule.write({"action": "email", "mail_template_id": template.id})
        lead = self._lead(stage=self.stage_qualified)
        lead.with_user(self.user_salesman).write({"stage_id": self.stage_proposal.id})
        self.assertEqual(lead.stage_id, self.stage_proposal)
        notice = self.rule.notice_ids
        self.assertEqual((notice.state, notice.attempts), ("failed", 1))
        self.assertTrue(self.rule.last_error)
        Notice = self.env["crm.standard.stage.notice"]
        for _run in range(4):
            Notice._cron_crm_retry()
        self.assertEqual((notice.state, notice.attempts), ("failed", 3))

    def test_recipient_who_may_not_read_the_lead_is_skipped_with_the_reason(self):
        colleague = self._create_colleague()
        self.rule.write({"recipient_type": "users", "user_ids": [(6, 0, colleague.ids)]})
        lead = self._lead(stage=self.stage_qualified)  # the salesman's own lead
        lead.write({"stage_id": self.stage_proposal.id})
        notice = self.rule.notice_ids
        self.assertEqual(notice.state, "skipped")
        self.assertIn(colleague.name, notice.message)
        self.assertFalse(
            self.env["mail.activity"].search(
                [
                    ("res_id", "=", lead.id),
                    ("res_model", "=", "crm.lead"),
                    ("user_id", "=", colleague.id),
                ]
            )
        )

    def test_salesperson_manager_is_the_leader_of_their_team(self):
        self.rule.recipient_type = "salesperson_manager"
        lead = self._lead(stage=self.stage_qualified, team_id=False)
        lead.write({"stage_id": self.stage_proposal.id})
        self.assertEqual(self.rule.notice_ids.recipient_id, self.user_sales_manager)

    def test_sales_managers_edit_rules_salespeople_do_not(self):
        self._as(self.user_sales_manager, self.rule).write({"activity_deadline_days": 2})
        with self.assertRaises(AccessError):
            self._as(self.user_salesman, self.rule).write({"activity_deadline_days": 3})

    def test_shipped_rule_tells_the_team_leader_from_qualified_to_proposition(self):
        shipped = self.env.ref("crm_standard.crm_standard_stage_rule_qualified_proposition")
        self.assertEqual(shipped.from_stage_ids, self.env.ref("crm.stage_lead2"))
        self.assertEqual(shipped.to_stage_ids, self.env.ref("crm.stage_lead3"))
        shipped.active = True
        lead = self._lead(stage=self.env.ref("crm.stage_lead2"))
        lead.write({"stage_id": self.env.ref("crm.stage_lead3").id})
        self.assertEqual(len(self._leader_activities(lead)), 1)

    def test_kanban_move_as_salesperson_fires_once_and_a_failure_does_not_block(self):
        """The kanban's drag and drop saves the stage with ``web_save``."""
        lead = self._lead(stage=self.stage_qualified)
        spec = {"stage_id": {}}
        self._as(self.user_salesman, lead).web_save({"stage_id": self.stage_proposal.id}, spec)
        self._as(self.user_salesman, lead).web_save({"stage_id": self.stage_proposal.id}, spec)
        self.assertEqual(len(self.rule.notice_ids), 1)
        Rule = type(self.env["crm.standard.stage.rule"])
        with patch.object(Rule, "_crm_deliver_activity", _raise):
            other = self._lead("Other", stage=self.stage_qualified)
            self._as(self.user_salesman, other).web_save({"stage_id": self.stage_proposal.id}, spec)
        self.assertEqual(other.stage_id, self.stage_proposal)
        notice = self.rule.notice_ids.filtered(lambda n: n.lead_id == other)
        self.assertEqual((notice.state, notice.message), ("failed", "delivery failed"))


def _raise(self, notices):
    raise ValueError("delivery failed")

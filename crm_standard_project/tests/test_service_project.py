"""The project bridge: an accepted service proposal gets its project, and the
service tasks planned as activities on the proposal become its tasks."""

from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.crm_standard.tests.test_service_delivery import ServiceDeliveryCommon


@tagged("post_install", "-at_install")
class TestServiceProject(ServiceDeliveryCommon):
    def setUp(self):
        super().setUp()
        self.proposal = self._proposal()
        self.proposal.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=date(2027, 2, 15),
            summary="Install the hotline",
            note="Deliverable: hotline number live",
            user_id=self.user_salesman.id,
        )
        self.proposal.action_send()

    def test_acceptance_creates_the_project_with_the_service_tasks(self):
        # the portal accepts as superuser after checking the token
        self.proposal.sudo()._crm_portal_accept("Carl Contact")
        project = self.proposal.project_id
        self.assertTrue(project)
        self.assertEqual(
            (project.name, project.partner_id, project.date_start, project.date),
            ("Maintenance 2027", self.customer, date(2027, 1, 1), date(2027, 6, 30)),
        )
        self.assertEqual(project.crm_proposal_id, self.proposal)
        task = project.task_ids
        self.assertEqual(task.name, "Install the hotline")
        self.assertEqual(task.user_ids, self.user_salesman)
        self.assertEqual(task.date_deadline.date(), date(2027, 2, 15))
        self.assertIn("hotline number live", str(task.description))
        self.assertFalse(self.proposal.activity_ids, "the activity became the task")
        self.assertEqual(self.proposal.project_task_count, 1)

    def test_project_is_created_once_and_not_before_acceptance(self):
        self.proposal._crm_create_project()
        self.assertFalse(self.proposal.project_id, "sent, not accepted")
        self.proposal.sudo()._crm_portal_accept("Carl Contact")
        project = self.proposal.project_id
        self.proposal._crm_create_project()
        self.assertEqual(self.proposal.project_id, project)
        self.assertEqual(
            self.env["project.project"].search_count([("crm_proposal_id", "=", self.proposal.id)]),
            1,
        )

    def test_customer_is_in_service_as_without_the_bridge(self):
        self.proposal.sudo()._crm_portal_accept("Carl Contact")
        self.assertEqual(self.customer.crm_service_state, "in_service")
        self.assertTrue(self.lead.stage_id.is_won)

    def test_salesperson_cannot_link_a_project_by_hand(self):
        # over RPC (the field is read-only in the form only): another project would
        # show its task count and stop the acceptance from creating the delivery's
        foreign = self.env["project.project"].create({"name": "Someone else's project"})
        proposal = self._as(self.user_salesman, self.proposal)
        with self.assertRaisesRegex(AccessError, "Project"):
            proposal.write({"project_id": foreign.id})
        self.assertFalse(self.proposal.project_id)
        self.proposal.sudo()._crm_portal_accept("Carl Contact")
        self.assertEqual(self.proposal.project_id.crm_proposal_id, self.proposal)

"""An agent moving a ticket to a team they are not in saves without an
AccessError (the form's ``web_save`` as the agent) and keeps reading it;
following a ticket is not a way in."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from . import test_tickets


@tagged("post_install", "-at_install")
class TestTicketHandover(test_tickets.CrmStandardTicketCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.assignment_method = "manual"
        cls.team_other = cls.env["crm.standard.ticket.team"].create(
            {"name": "Field Service", "member_ids": [Command.set(cls.agent_c.ids)]}
        )
        cls.ticket = cls._ticket(name="Needs a technician", user_id=cls.user_service_agent.id)
        cls.foreign = cls._ticket(name="Not ours", team_id=cls.team_other.id)

    _form_save = test_tickets.TestTicketAccess._form_save

    def test_agent_moves_a_ticket_to_a_team_they_are_not_in(self):
        values = self._form_save(
            self.user_service_agent,
            self.ticket,
            {"team_id": self.team_other.id, "user_id": False},
        )
        self.assertEqual(values["team_id"]["id"], self.team_other.id)
        self.env.invalidate_all()
        self.assertEqual(self.ticket.team_id, self.team_other)
        self.assertEqual(self.ticket.user_id, self.agent_c, "the other team assigns it")
        # they still read it, and no longer change it
        self.assertTrue(
            self._as(self.user_service_agent, "crm.standard.ticket").search(
                [("id", "=", self.ticket.id)]
            )
        )
        with self.assertRaises(AccessError):
            self._as(self.user_service_agent, self.ticket).write({"name": "Still mine?"})

    def test_following_a_ticket_is_no_way_in(self):
        with self.assertRaises(AccessError):
            self._as(self.user_service_agent, self.foreign).message_subscribe(
                partner_ids=self.user_service_agent.partner_id.ids
            )
        # followed anyway (by a manager): still not readable
        self.foreign.message_subscribe(partner_ids=self.user_service_agent.partner_id.ids)
        with self.assertRaises(AccessError):
            self._as(self.user_service_agent, self.foreign).read(["name"])

    def test_handed_over_by_is_not_set_by_hand(self):
        with self.assertRaisesRegex(UserError, "Handed Over By"):
            self._as(self.user_service_agent, self.ticket).write(
                {"handover_user_ids": [Command.link(self.agent_b.id)]}
            )

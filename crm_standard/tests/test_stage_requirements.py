from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .test_stage_history import StageCase


@tagged("post_install", "-at_install")
class TestStageRequirements(StageCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        field = cls.env["ir.model.fields"]._get
        cls.requirement = cls.env["crm.standard.stage.requirement"].create(
            {
                "stage_id": cls.stage_qualified.id,
                "field_ids": [
                    (
                        6,
                        0,
                        [field("crm.lead", "source_id").id, field("crm.lead", "date_deadline").id],
                    )
                ],
            }
        )
        cls.source = cls.env["utm.source"].create({"name": "Fair (t)"})

    def test_entering_the_stage_without_the_fields_names_them_and_the_stage(self):
        lead = self._lead()
        with self.assertRaises(ValidationError) as caught:
            self._as(self.user_salesman, lead).write({"stage_id": self.stage_qualified.id})
        message = str(caught.exception)
        self.assertIn("Qualified (t)", message)
        self.assertIn("Source", message)
        self.assertIn("Expected Closing", message)
        self.assertEqual(lead.stage_id, self.stage_new)

    def test_later_stages_require_them_too_and_the_same_write_may_fill_them(self):
        lead = self._lead()
        with self.assertRaises(ValidationError):
            lead.write({"stage_id": self.stage_proposal.id})
        lead.write(
            {
                "stage_id": self.stage_proposal.id,
                "source_id": self.source.id,
                "date_deadline": "2027-01-31",
            }
        )
        self.assertEqual(lead.stage_id, self.stage_proposal)

    def test_creation_in_the_stage_and_import_are_checked(self):
        with self.assertRaises(ValidationError):
            self._lead("Born qualified", stage=self.stage_qualified)
        result = self.env["crm.lead"].load(
            ["name", "type", "stage_id/.id"],
            [["Imported", "opportunity", str(self.stage_qualified.id)]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("Source", result["messages"][0]["message"])

    def test_archived_requirement_checks_nothing(self):
        self.requirement.active = False
        lead = self._lead()
        lead.write({"stage_id": self.stage_qualified.id})
        self.assertEqual(lead.stage_id, self.stage_qualified)

    def test_form_marks_the_fields_required_once_the_stage_is_reached(self):
        lead = self._lead(source_id=self.source.id, date_deadline="2027-01-31")
        lead.write({"stage_id": self.stage_qualified.id})
        self.assertEqual(lead.crm_required_field_names, ",date_deadline,source_id,")
        arch = self.env["crm.lead"].get_view(view_type="form")["arch"]
        self.assertIn("',source_id,' in (crm_required_field_names or '')", arch)
        with Form(lead) as form:
            self.assertTrue(form._get_modifier("source_id", "required"))

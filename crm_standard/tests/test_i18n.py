from pathlib import Path

import polib

from odoo.tests import tagged

from .common import CrmStandardCommon

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestChineseTranslation(CrmStandardCommon):
    def test_every_exported_term_has_a_zh_cn_translation(self):
        pot = polib.pofile(str(I18N / "crm_standard.pot"))
        po = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(I18N / "zh_CN.po"))}
        untranslated = [e.msgid for e in pot if not po.get((e.msgctxt, e.msgid))]
        self.assertFalse(untranslated, "run `make i18n` and translate these terms")

    def test_zh_cn_loads_into_labels_and_selections(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_standard"], ["zh_CN"], overwrite=True)
        Partner = self.env["res.partner"].with_context(lang="zh_CN")
        fields_info = Partner.fields_get(["customer_code", "lifecycle_stage"])
        self.assertEqual(fields_info["customer_code"]["string"], "客户编码")
        self.assertIn(("repeat", "复购客户"), fields_info["lifecycle_stage"]["selection"])

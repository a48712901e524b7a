from contextlib import contextmanager

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, new_test_user


class CrmStandardCommon(TransactionCase):
    """Users per role and a small customer set, shared by every test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "country_id": cls.env.ref("base.cn").id,
                "crm_validate_formats": True,
                "crm_strict_required_fields": False,
                # the demo ships with the pool on; the tests of the pool turn it on
                "crm_pool_enabled": False,
            }
        )
        context = {"tracking_disable": False}
        cls.user_salesman = new_test_user(
            cls.env,
            login="crm_salesman",
            name="Sally Salesman",
            groups="sales_team.group_sale_salesman",
            context=context,
        )
        cls.user_salesman_all = new_test_user(
            cls.env,
            login="crm_salesman_all",
            name="Alex All-Leads",
            groups="sales_team.group_sale_salesman_all_leads",
            context=context,
        )
        cls.user_sales_manager = new_test_user(
            cls.env,
            login="crm_sales_manager",
            name="Mona Manager",
            groups="sales_team.group_sale_manager",
            context=context,
        )
        cls.user_service_agent = new_test_user(
            cls.env,
            login="crm_service_agent",
            name="Sam Agent",
            groups="crm_standard.group_crm_standard_service_agent",
            context=context,
        )
        cls.user_service_manager = new_test_user(
            cls.env,
            login="crm_service_manager",
            name="Sue Service",
            groups="crm_standard.group_crm_standard_service_manager",
            context=context,
        )
        cls.user_crm_admin = new_test_user(
            cls.env,
            login="crm_admin",
            name="Ada Admin",
            groups="crm_standard.group_crm_standard_admin",
            context=context,
        )
        cls.industry_it = cls.env.ref("base.res_partner_industry_J")
        cls.industry_retail = cls.env.ref("base.res_partner_industry_G")
        cls.stage_new = cls.env["crm.stage"].create({"name": "New (test)", "sequence": 1})
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Won (test)", "sequence": 70, "is_won": True}
        )

    def _run_precommit(self):
        """Run what Odoo does just before commit: tracking messages and the
        customer refresh (codes, lifecycle stages) queued by opportunities."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.flush_all()
        self.env.invalidate_all()

    _flush_tracking = _run_precommit

    def _as(self, user, records_or_model):
        """``records_or_model`` as ``user``, with an empty cache."""
        self.env.invalidate_all()
        if isinstance(records_or_model, str):
            return self.env[records_or_model].with_user(user)
        return records_or_model.with_user(user)

    @classmethod
    def _create_colleague(cls, login="crm_colleague", name="Colin Colleague"):
        """Another salesperson (own documents), for customers the salesperson
        does not own."""
        return new_test_user(
            cls.env, login=login, name=name, groups="sales_team.group_sale_salesman"
        )

    @classmethod
    def _create_customer(cls, name="Acme Test Co", **vals):
        values = {
            "name": name,
            "is_company": True,
            "industry_id": cls.industry_it.id,
            "email": f"info@{name.lower().replace(' ', '')}.example.com",
        }
        values.update(vals)
        return cls.env["res.partner"].create(values)

    @classmethod
    def _create_opportunity(cls, partner, won=False, **vals):
        values = {
            "name": f"Deal with {partner.name}",
            "type": "opportunity",
            "partner_id": partner.id,
            "stage_id": (cls.stage_won if won else cls.stage_new).id,
        }
        values.update(vals)
        lead = cls.env["crm.lead"].create(values)
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        return lead


class TwoConnectionsCase(TransactionCase):
    """Tests of scheduled actions run by two workers: real connections, so
    fixtures are committed (and cleaned up by the test)."""

    @contextmanager
    def _committed_env(self, context=None, uid=SUPERUSER_ID):
        """An environment on a new connection, committed at the end."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, uid, context or {})
            # the other worker's connection must see it
            cr.commit()  # pylint: disable=invalid-commit

    @contextmanager
    def _two_workers(self, uid1=SUPERUSER_ID, uid2=SUPERUSER_ID, lock_timeout=None):
        """Two environments on two connections, committed by the test itself.

        ``lock_timeout`` (e.g. ``'5s'``) is set on the second connection's
        transaction, as its first statement: a wait fails, never hangs the test.
        """
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            if lock_timeout:
                # SET, not set_config(): a SELECT would take the snapshot now
                cr2.execute("SET LOCAL lock_timeout = %s", [lock_timeout])
            yield api.Environment(cr1, uid1, {}), api.Environment(cr2, uid2, {})

"""pytest plugin (loaded by tools/devenv.py with -p): quiet pytest-odoo start.

pytest-odoo imports ``odoo.tests`` before it switches Odoo's test mode on, and
Odoo logs an ERROR ("Importing test framework ...") for an import outside test
mode. Import it here, inside test mode, so that the run's output only shows
real errors. Test mode is switched off again before the registry loads (it
would otherwise run the at-install tests while loading).
"""

try:
    import odoo.tools
except ImportError:  # tools/devenv.py explains how to provide Odoo
    odoo = None
else:
    _previous = odoo.tools.config["test_enable"]
    odoo.tools.config["test_enable"] = True
    import odoo.tests

    odoo.tools.config["test_enable"] = _previous

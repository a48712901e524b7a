# The two commands of the README. Odoo 18.0 must be importable by $(PYTHON)
# or given as ODOO_PATH=/path/to/odoo (the folder holding odoo-bin).
PYTHON ?= python3
export ODOO_PATH

.PHONY: run test test-quick lint wheel bench load i18n screenshots

run:  ## Odoo + crm_standard + demo data on a throwaway PostgreSQL
	$(PYTHON) tools/devenv.py run

test:  ## install checks (demo / no demo / upgrade) + the whole test suite
	$(PYTHON) tools/devenv.py test $(ARGS)

test-quick:  ## the test suite only (no no-demo install, no upgrade check)
	$(PYTHON) tools/devenv.py test --quick $(ARGS)

lint:
	$(PYTHON) -m pip install -q -r requirements-dev.txt
	$(PYTHON) -m pre_commit run --all-files --show-diff-on-failure

wheel:
	$(PYTHON) -m pip install -q -r requirements-dev.txt
	cd crm_standard && $(PYTHON) -m build --wheel --no-isolation --outdir ../dist

bench:
	$(PYTHON) tools/devenv.py bench $(ARGS)

load:  ## the load test (docs/load.md): prefork Odoo, Locust users, crons; never in CI
	$(PYTHON) tools/devenv.py load $(ARGS)

i18n:  ## export crm_standard.pot and merge it into i18n/*.po
	$(PYTHON) tools/devenv.py i18n

screenshots:  ## PNGs of the web client (demo data) into crm_standard/static/description/
	$(PYTHON) tools/screenshots.py $(ARGS)

# Two commands: `make run` (set up and serve the demo) and `make test`.
PY ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
SIM_PORT ?= 8765
SIM_URL := http://127.0.0.1:$(SIM_PORT)
DEMO_LIVE ?= 1

.PHONY: setup run test lint bench-intake bench-sla bench-hot-sku bench-import bench-webhooks bench-waves bench-scan bench-cutoff bench-dashboard bench-http bench-admin messages clean

$(STAMP): requirements.lock
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %s)" % sys.version.split()[0])'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

# The demo runs in development mode (the settings refuse the development key with DEBUG off).
run messages: export DEBUG ?= 1

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py demo_logins --base-url http://$(HOST):$(PORT)
	$(BIN)/python manage.py sync_schedules
	@# The live demo: a local platform simulator that two shops poll, signed webhook posts for the
	@# other three, a pretend warehouse that ships the new orders (tracking goes back to the
	@# simulator), and group-buy leaders entering orders until the cutoff (pressed by hand in
	@# admin, or at 20:00). DEMO_LIVE=0 serves only the web server and the worker.
	@if [ "$(DEMO_LIVE)" = 1 ]; then DEBUG=$${DEBUG:-1} $(BIN)/python manage.py demo_channels --simulator $(SIM_URL); fi
	@echo "Serving http://$(HOST):$(PORT)/ with the background worker$(if $(filter 1,$(DEMO_LIVE)), the platform simulator ($(SIM_URL)) and live demo orders,); Ctrl-C stops them all."
	@# Each process gets its own process group. When the server ends, however that happens (Ctrl-C,
	@# or a TERM sent to make's whole process group), qcluster is stopped with SIGINT (its clean
	@# shutdown) and the demo helpers with TERM (a background job of a script ignores SIGINT);
	@# anything still there after 15 s gets TERM.
	@DEBUG=$${DEBUG:-1} bash -c 'pids=""; bg() { setsid "$$@" & pids="$$pids $$!"; }; \
		stop() { kill -INT -- -$$q 2>/dev/null; for p in $$pids; do kill -TERM -- -$$p 2>/dev/null; done; \
			for _ in $$(seq 30); do kill -0 -- -$$q 2>/dev/null || break; sleep 0.5; done; \
			kill -TERM -- -$$q 2>/dev/null; wait; }; \
		trap stop EXIT; trap "exit 130" INT TERM; \
		setsid $(BIN)/python manage.py qcluster & q=$$!; \
		if [ "$(DEMO_LIVE)" = 1 ]; then \
			bg $(BIN)/python manage.py run_platform_simulator --port $(SIM_PORT) --rate 12 --platforms taobao,jd; \
			bg $(BIN)/python manage.py simulate_orders --url http://$(HOST):$(PORT) --simulator $(SIM_URL) --rate 6 \
				--channel pinduoduo --channel douyin --channel aliexpress; \
			bg $(BIN)/python manage.py demo_warehouse --interval 15; \
			bg $(BIN)/python manage.py demo_groupbuy --interval 20; \
		fi; \
		$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)'

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench-intake: setup
	$(BIN)/python bench/intake.py

bench-sla: setup
	$(BIN)/python bench/sla_sweep.py

bench-hot-sku: setup
	$(BIN)/python bench/hot_sku.py

bench-import: setup
	$(BIN)/python bench/import.py

bench-webhooks: setup
	$(BIN)/python bench/webhooks.py

bench-waves: setup
	$(BIN)/python bench/waves.py

bench-scan: setup
	$(BIN)/python bench/scan.py

bench-cutoff: setup
	$(BIN)/python bench/cutoff.py

bench-dashboard: setup
	$(BIN)/python bench/dashboard.py

bench-http: setup
	$(BIN)/python bench/http_intake.py

bench-admin: setup
	$(BIN)/python bench/admin_scale.py

messages: setup
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=bench
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm

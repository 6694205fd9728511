# Two commands: `make run` (set up and serve the demo) and `make test`.
PY ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint bench-intake bench-hot-sku bench-webhooks messages clean

$(STAMP): requirements.lock
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %s)" % sys.version.split()[0])'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py demo_logins
	@echo "Serving http://$(HOST):$(PORT)/ with the background worker; Ctrl-C stops both."
	@# qcluster gets its own process group and is stopped with SIGINT (its clean shutdown) when the
	@# server ends, however that happens: Ctrl-C, or a TERM sent to make's whole process group.
	@DEBUG=$${DEBUG:-1} bash -c 'setsid $(BIN)/python manage.py qcluster & q=$$!; \
		trap "kill -INT -- -$$q 2>/dev/null; wait $$q" EXIT; trap "exit 130" INT TERM; \
		$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)'

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

bench-intake: setup
	$(BIN)/python bench/intake.py

bench-hot-sku: setup
	$(BIN)/python bench/hot_sku.py

bench-webhooks: setup
	$(BIN)/python bench/webhooks.py

messages: setup
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=bench
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm

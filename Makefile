# The two commands of the README:
#   make run    set up, migrate, load demo data and serve on http://127.0.0.1:5000 (SQLite)
#   make test   set up and run the whole test suite (and on PostgreSQL when TEST_DATABASE_URL is set)

PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
FLASK = $(BIN)/flask --app app
CATALOG = portal/translations
DEMO_PROJECTS ?= 300

.PHONY: run test setup setup-dev system-deps translations extract-messages lint lock benchmark clean

run: setup translations
	$(FLASK) db upgrade
	$(FLASK) portal demo --projects $(DEMO_PROJECTS)
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup-dev system-deps translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev

# Exact versions with their hashes from the lock files (see `make lock`), then the portal itself
# without resolving anything again. A changed lock file or pyproject.toml installs again.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Resolve pyproject.toml's dependencies again into the lock files (current versions are kept
# unless UPGRADE=1); uv writes pip's hashed format for every platform and Python 3.11+.
# pip's hash-checking mode needs the extra a dependency asks for on the pinned line itself
# (weasyprint asks for fonttools[woff], locust for python-socketio[client]); otherwise it looks
# for a newer release to satisfy it.
lock: setup-dev
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements-dev.lock
	sed -i 's/^fonttools==/fonttools[woff]==/' requirements.lock requirements-dev.lock
	sed -i 's/^python-socketio==/python-socketio[client]==/' requirements-dev.lock

LOCK_FLAGS = --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

# Browser tests drive Debian's chromium; PDF checks use poppler's pdftoppm/pdftotext.
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The compiled Khmer catalog (a production start refuses to run without it, or with an old one).
translations: $(CATALOG)/km/LC_MESSAGES/messages.mo

$(CATALOG)/km/LC_MESSAGES/messages.mo: $(CATALOG)/km/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d $(CATALOG)
	touch $@

# Refresh the catalog template and the Khmer catalog after changing interface strings.
extract-messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k prose -k counted:1,2 --no-location --sort-output -o $(CATALOG)/messages.pot portal templates templates/_macros
	$(BIN)/pybabel update -N -i $(CATALOG)/messages.pot -d $(CATALOG) --no-wrap

lint: setup-dev
	$(BIN)/ruff check portal tests app.py gunicorn.conf.py
	$(BIN)/ruff format --check portal tests app.py gunicorn.conf.py
	$(BIN)/mypy portal
	$(BIN)/lint-imports --no-cache

# Every benchmark script in turn (each prints its figures and PASS/FAIL against its targets).
benchmark: setup-dev translations
	set -e; for script in tests/benchmarks/bench_*.py; do $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) instance

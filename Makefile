# Backlot: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
PO_FILES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test bench install translations chromium nginx i18n-extract vendor screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-install only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

%.mo: %.po | $(VENV)/.installed-run
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

translations: $(MO_FILES)

install: $(VENV)/.installed-run translations

# The demo clock puts `make run` inside the exhibition unless the caller set BACKLOT_CLOCK.
run: export BACKLOT_CLOCK ?= 2026-06-14T10:30:00+08:00
run: install
	$(BIN)/backlot db upgrade
	$(BIN)/backlot seed
	exec $(BIN)/backlot serve

# Debian's chromium for the browser tests (Playwright's own download does not work here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium is missing and cannot be installed here: the browser tests will skip."; fi; \
	fi
	@if command -v fc-list >/dev/null && ! fc-list :lang=zh | grep -q . ; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Noto Sans CJK: Chinese on pages needs a CJK font (docs/deployment.md)…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else echo "No Chinese font here (fonts-noto-cjk): the font test will fail."; fi; \
	fi

# Debian's nginx for the test of the documented proxy configuration (tests/test_proxy.py).
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's nginx for the proxy test…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else echo "nginx is missing and cannot be installed here: the proxy test will skip."; fi; \
	fi

# Two workers (pytest-xdist), a test file each at a time; TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-test translations chromium nginx
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The screens gallery (tests/e2e/test_screens_gallery.py): rewrites docs/screenshots/*.png for docs/screens.md.
screenshots: $(VENV)/.installed-test translations chromium
	UPDATE_DOCS_SCREENSHOTS=1 $(BIN)/pytest -p no:cacheprovider -q tests/e2e/test_screens_gallery.py

# Every load workload beside its reference, on loopback; writes bench/results.md (BENCH_ARGS=--quick: a smoke run).
bench: $(VENV)/.installed-test translations
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Refresh the message catalogue after adding or changing user-facing strings.
i18n-extract: | $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k said -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

# Refresh the vendored front-end files from npm (versions pinned in static/vendor/package.json);
# axe-core is for the accessibility tests only, no page loads it.
vendor:
	tmp=$$(mktemp -d) && cp static/vendor/package.json static/vendor/package-lock.json $$tmp/ && \
	(cd $$tmp && npm ci --no-audit --no-fund) && \
	cp $$tmp/node_modules/socket.io-client/dist/socket.io.min.js $$tmp/node_modules/socket.io-client/LICENSE static/vendor/socket.io/ && \
	mkdir -p static/vendor/jsqr && \
	cp $$tmp/node_modules/jsqr/dist/jsQR.js $$tmp/node_modules/jsqr/LICENSE static/vendor/jsqr/ && \
	mkdir -p static/vendor/simple-keyboard static/vendor/simple-keyboard-layouts && \
	cp $$tmp/node_modules/simple-keyboard/build/index.js $$tmp/node_modules/simple-keyboard/build/css/index.css \
	  $$tmp/node_modules/simple-keyboard/LICENSE static/vendor/simple-keyboard/ && \
	cp $$tmp/node_modules/simple-keyboard-layouts/build/layouts/chinese.js \
	  $$tmp/node_modules/simple-keyboard-layouts/LICENSE static/vendor/simple-keyboard-layouts/ && \
	mkdir -p static/vendor/axe-core && \
	cp $$tmp/node_modules/axe-core/axe.min.js $$tmp/node_modules/axe-core/LICENSE static/vendor/axe-core/ && \
	rm -rf $$tmp

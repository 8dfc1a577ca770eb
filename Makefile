# 142 contact platform. Two commands do everything on a fresh machine:
#   make run    install, migrate, train the bot if needed, start everything
#   make test   install what is missing and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml packages/cc142_text/pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install install-bot install-fonts install-browser install-nginx train migrate run test fuzz screenshots bench clean

install: $(STAMP) install-bot install-fonts

# cc142-text (packages/cc142_text) is named by path in the same command: pip
# accepts no relative path inside pyproject.toml's dependencies.
$(STAMP): pyproject.toml packages/cc142_text/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e packages/cc142_text -e '.[test]'
	@rm -f $(VENV)/.installed-*; touch $@

# The PDF report needs DejaVu Sans (Azerbaijani letters); Debian's fonts-dejavu-core.
install-fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || [ -n "$$CC142_FONT_DIR" ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q fonts-dejavu-core || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q fonts-dejavu-core; }; }

# Browser tests drive Debian's Chromium (Playwright cannot download a browser here).
install-browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }; }

# The reverse-proxy tests run Debian's nginx in front of real backend processes
# (tests/proxy/), with the shipped deploy/nginx.conf. Only the binary is wanted: the
# package's own service is not started (RUNLEVEL=1), or stopped if it was.
install-nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env RUNLEVEL=1 apt-get install -y -q nginx || { $$SUDO apt-get update -q && $$SUDO env RUNLEVEL=1 apt-get install -y -q nginx; }; \
	  if [ -s /run/nginx.pid ]; then $$SUDO /usr/sbin/nginx -s quit || true; fi; }

# Rasa 3.6 lives in its own virtualenv (.venv-rasa); see chatbot/README.md. The backend
# venv brings uv, so nothing is ever installed into the machine's own Python.
install-bot: $(STAMP)
	$(BIN)/python chatbot/manage.py install

# Trains only when chatbot/ changed (models are cached by a content hash).
train: install-bot
	$(BIN)/python chatbot/manage.py train

migrate: install
	$(BIN)/cc142 migrate

run: install train
	$(BIN)/cc142 up

test: install install-browser install-nginx train
	$(BIN)/pytest

# A longer fuzzing campaign (schemathesis, FUZZ_EXAMPLES cases per operation); prints how many ran.
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} $(BIN)/pytest -q -s tests/security/test_fuzz.py

# Refresh docs/screenshots from the browser tests.
screenshots: install install-browser train
	CC142_SCREENSHOTS=1 $(BIN)/pytest -q tests/console/test_browser.py tests/chat/test_widget_browser.py

bench: install train
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -q wrk; }
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/chat.py
	$(BIN)/python bench/stats.py

clean:
	rm -rf $(VENV) .venv-rasa var .pytest_cache chatbot/models

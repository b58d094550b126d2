# Operator and developer entry points. Needs only python3 on a fresh clone.
# IDP_TEST_DATABASE_URL / IDP_TEST_REDIS_URL, when set in the environment, reach the tests as is.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv run demo test lint bench clean

venv: $(STAMP)

# Reinstall only when pyproject.toml changed since the last successful install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: venv
	$(BIN)/idp dev bootstrap
	$(BIN)/idp serve --bind 127.0.0.1:8000

# `make run` plus the two demo portals of examples/ (single sign-on, logout). Ctrl-C stops all
# three; so does any of them stopping. idp may POST logout tokens to the portals on 127.0.0.1
# (IDP_OUTBOUND_ALLOW; docs/security.md).
demo: venv
	$(BIN)/idp dev bootstrap
	@trap 'kill $$idp $$health $$provident 2>/dev/null; wait' EXIT; \
	trap 'exit 130' INT TERM; \
	IDP_OUTBOUND_ALLOW=$${IDP_OUTBOUND_ALLOW:-127.0.0.1} \
		$(BIN)/idp serve --bind 127.0.0.1:8000 & idp=$$!; \
	$(BIN)/python -m examples.health_portal & health=$$!; \
	$(BIN)/python -m examples.provident_portal & provident=$$!; \
	sleep 3; \
	echo; \
	echo "  Provider:            $${IDP_ISSUER:-http://127.0.0.1:8000}"; \
	echo "  Espace santé:        http://127.0.0.1:5001/"; \
	echo "  Espace prévoyance:   http://127.0.0.1:5002/"; \
	echo "  Demo member:         100000001 / Correct-Horse-42"; \
	echo "  One-time code:       $${IDP_ISSUER:-http://127.0.0.1:8000}/dev/outbox"; \
	echo "  Ctrl-C stops everything."; \
	echo; \
	while kill -0 $$idp && kill -0 $$health && kill -0 $$provident; do sleep 1; done 2>/dev/null; \
	echo "A demo process stopped: stopping the others."; exit 1

test: venv
	@if [ -f tests/e2e/package.json ]; then \
		if [ -f tests/e2e/package-lock.json ]; then \
			echo "npm ci --prefix tests/e2e"; \
			PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/e2e --no-audit --no-fund; \
		else \
			echo "npm install --prefix tests/e2e"; \
			PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix tests/e2e --no-audit --no-fund; \
		fi; \
	fi
	@$(BIN)/python -m tests.e2e.browser || echo "make test: the browser tests will fail (see above)."
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: venv
	$(BIN)/python bench/run.py

# Local state and caches only; .venv and tests/e2e/node_modules stay.
clean:
	rm -rf instance test-artefacts .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
	find . \( -name .venv -o -name node_modules -o -name .git \) -prune \
		-o -type d -name __pycache__ -prune -exec rm -rf {} +

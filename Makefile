# OrderHub: `make run` and `make test` do all set-up on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test bench lint worker test-deps clean team-demo team-demo-stop team-deps loadtest

$(RUNTIME): requirements.txt constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

# The worker (scheduled pulls, the demo feed, outbox delivery) runs beside the app and stops with it.
# ORDERHUB_WAYBILL_DEMO=1: shops without a waybill account draw 演示 numbers from the local double.
run: $(RUNTIME)
	$(PY) cli.py init --demo
	trap 'kill 0' EXIT INT TERM; export ORDERHUB_WAYBILL_DEMO=1; \
	  $(PY) cli.py worker & $(VENV)/bin/streamlit run app.py --server.headless true

worker: $(RUNTIME)
	$(PY) cli.py worker

test: $(DEV) test-deps
	$(PY) -m pytest

bench: $(DEV)
	$(PY) -m bench

lint: $(DEV)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# What the tests need from Debian: chromium and CJK fonts (browser journeys; Playwright never
# downloads a browser), nginx and PostgreSQL's server binaries (team tests), LibreOffice Calc
# (the exports as a spreadsheet shows them; that test fails without it). Installed when root;
# otherwise the tests that need them are skipped and say why.
TEST_PACKAGES := chromium fonts-noto-cjk nginx-light postgresql libreoffice-calc
test-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto.*cjk" \
	    || ! command -v nginx >/dev/null || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
	    || ! command -v soffice >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_PACKAGES) >/dev/null; \
	  else \
	    echo "some tests will be skipped; to run them: sudo apt-get install $(TEST_PACKAGES)"; \
	  fi; \
	fi

# OrderHub for a team on this machine: a private PostgreSQL (data/team/pg, port 55432) with the
# demo data, two Streamlit replicas, a worker and nginx with deploy/'s config; Ctrl-C stops it all.
team-demo: $(RUNTIME) team-deps
	$(PY) -m ops.teamdemo up

# Stops a team demo whose supervisor was killed (Ctrl-C on `make team-demo` already stops it).
team-demo-stop:
	$(PY) -m ops.teamdemo down

# PostgreSQL server binaries and nginx from Debian, when missing (root only).
team-deps:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ! command -v nginx >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql nginx-light >/dev/null; \
	  else \
	    echo "the team demo needs: sudo apt-get install postgresql nginx-light"; exit 1; \
	  fi; \
	fi

# Five minutes of mixed load at 1,000 orders/s on PostgreSQL (16 processes), then on SQLite (4);
# JSON in bench/results/loadtest_*.json. LOADTEST_ARGS="--seconds 60" for a shorter run.
loadtest: $(DEV) team-deps
	$(PY) -m bench.loadtest $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# make demo   - the example app pushed cold, with its committed static cache, and with one CSS edited,
#               against a local S3 server; serve the last slug and check it; timings side by side
# make test   - every test suite (shell suites in heroku-buildpack-testrunner's style, then pytest)
# make bench  - the benchmarks
# make lint   - shellcheck and ruff
SHELL := /bin/bash
# The first Python 3.12+ that runs (pyenv shims that exist but do not run are skipped).
PYTHON ?= $(shell for p in python3.13 python3.12 /root/.pyenv/versions/3.13*/bin/python3 \
	/root/.pyenv/versions/3.12*/bin/python3 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
VPY := $(VENV)/bin/python

.PHONY: venv demo test test-shell test-python bench lint clean

venv: $(VENV)/.installed

$(VENV)/.installed: test/requirements.txt test/lib/system_packages.sh
	@test -n "$(PYTHON)" || { echo "Python 3.12+ is needed: apt-get install python3.13" >&2; exit 1; }
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r test/requirements.txt
	test/lib/system_packages.sh
	touch $@

demo: venv
	$(VPY) test/demo.py

test: venv lint
	test/run

test-shell: venv
	test/run shell

test-python: venv
	test/run python

bench: venv
	$(VPY) test/bench/run.py

lint: venv
	shellcheck -x bin/* lib/*.sh test/run test/lib/*.sh test/*_test.sh
	$(VENV)/bin/ruff check lib test
	$(VENV)/bin/ruff format --check lib test/python

clean:
	rm -rf $(VENV) .venv-bench test/.cache

# make demo   - the example app pushed cold, with its committed static cache, and with one CSS edited,
#               against a local S3 server; serve the last slug and check it; timings side by side
# make test   - every test suite (shell suites in heroku-buildpack-testrunner's style, then pytest)
# make docs   - the documentation site (docs/, mkdocs.yml), built strictly into test/.cache/site
# make bench  - the benchmarks
# make lint   - shellcheck and ruff
SHELL := /bin/bash
# Which Python runs what: the buildpack's helper, the collect child and the dyno's runtime run on
# the app's Python (heroku/python's; 3.10+, pyproject.toml). The tests and tools run here on the
# first Python 3.12+ found on PATH or under pyenv (3.12 is the oldest that runs Django 6, on which
# the suites build an app too); set PYTHON=... to choose.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 \
	$$(ls -d "$$(pyenv root 2>/dev/null)"/versions/3.* 2>/dev/null | sort -rV | sed 's|$$|/bin/python3|') \
	python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
VPY := $(VENV)/bin/python

.PHONY: venv demo test test-shell test-python bench lint docs clean

venv: $(VENV)/.installed

$(VENV)/.installed: test/requirements.txt test/lib/system_packages.sh
	@test -n "$(PYTHON)" || { echo "Python 3.12+ is needed: apt-get install python3.13" >&2; exit 1; }
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r test/requirements.txt
	test/lib/system_packages.sh
	touch $@

demo: venv
	$(VPY) test/demo.py

test: venv lint docs
	test/run

test-shell: venv
	test/run shell

test-python: venv
	test/run python

bench: venv
	$(VPY) test/bench/run.py
	$(VPY) test/bench/hook_start_bench.py
	$(VPY) test/bench/static_url_bench.py

lint: venv
	shellcheck -x bin/* lib/*.sh test/run test/lib/*.sh test/*_test.sh
	$(VENV)/bin/ruff check lib test
	$(VENV)/bin/ruff format --check lib test/python

docs: venv
	$(VENV)/bin/mkdocs build --strict --site-dir test/.cache/site

clean:
	rm -rf $(VENV) .venv-bench test/.cache

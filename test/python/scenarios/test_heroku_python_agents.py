"""Agents that wrap a process, with their real packages in the app's Python (a uv app laid out as
heroku/python lays it): pages served under each load every asset from the bucket.

``opentelemetry-instrument`` puts its own ``sitecustomize`` first on ``PYTHONPATH`` and never
loads the next one; ``newrelic-admin run-program`` and ``ddtrace-run`` load the next one. The
settings hook must hold under all three (``settings_hook``: a ``.pth`` in the user site folder).
The agents reach no network: OpenTelemetry exports to the console (and the spans it prints prove
it instrumented the requests), New Relic runs in developer mode, Datadog's tracer sends to a
closed loopback port with telemetry and remote configuration off. The manager does not change
how the hook is loaded, so one manager (uv) serves.
"""

from __future__ import annotations

import pytest

from conftest import deploy_config
from support.heroku_apps import (
    RENDER,
    assert_all_from_bucket,
    build_twice,
    web_assets,
    worker_url,
)
from support.heroku_python import app_python

AGENTS = {
    "otel": "opentelemetry-instrument",
    "newrelic": "newrelic-admin run-program",
    "ddtrace": "ddtrace-run",
}
#: What each agent loads into the process it wraps: its presence proves it ran.
AGENT_MODULES = {
    "otel": "opentelemetry.instrumentation.django",
    "newrelic": "newrelic.config",
    "ddtrace": "ddtrace",
}
OFFLINE = {
    # OpenTelemetry's Django instrumentation reads the settings at start, before wsgi.py can
    # set them, and falls back to empty ones: its documentation asks for the config var.
    "DJANGO_SETTINGS_MODULE": "exampleapp.settings",
    "OTEL_SERVICE_NAME": "exampleapp",
    "OTEL_TRACES_EXPORTER": "console",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
    "NEW_RELIC_DEVELOPER_MODE": "true",
    "NEW_RELIC_APP_NAME": "exampleapp",
    "NEW_RELIC_STARTUP_TIMEOUT": "0",
    "DD_TRACE_AGENT_URL": "http://127.0.0.1:9",
    "DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
    "DD_REMOTE_CONFIGURATION_ENABLED": "false",
    "DD_TRACE_STARTUP_LOGS": "false",
}


@pytest.fixture(scope="module")
def built(s3server, tmp_path_factory):
    app = app_python("uv-agents")
    config = deploy_config(s3server, s3server.bucket(), AWS_LOCATION="static", **OFFLINE)
    built = build_twice(str(tmp_path_factory.mktemp("agents")), app, config, s3server.endpoint)
    assert built.cold.returncode == 0, built.cold.output
    with open(f"{built.slug.build_dir}/Procfile", "a") as procfile:
        for name, wrapper in AGENTS.items():
            procfile.write(f"web-{name}: {wrapper} gunicorn exampleapp.wsgi\n")
            procfile.write(f"worker-{name}: {wrapper} {RENDER} && sleep 30\n")
    return built


@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize("order", ["ours-first", "ours-last"])
def test_pages_under_the_agent_load_every_asset_from_the_bucket(built, agent, order):
    assert_all_from_bucket(web_assets(built, order, f"web-{agent}"), built.prefix)


@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize("order", ["ours-first", "ours-last"])
def test_a_one_off_under_the_agent_renders_bucket_urls_with_the_agent_loaded(built, agent, order):
    module = AGENT_MODULES[agent]
    command = RENDER.replace(
        "print(", f"import sys; print('agent', {module!r} in sys.modules); print(", 1
    )
    built.slug.profile_order = order
    result = built.slug.run(f"{AGENTS[agent]} {command}")
    assert result.returncode == 0, result.output
    assert "agent True" in result.stdout, result.output
    url = next(line for line in result.stdout.splitlines() if line.startswith("static-url "))
    assert url.split(" ", 1)[1].startswith(built.prefix + "css/site.")


@pytest.mark.parametrize("agent", AGENTS)
def test_a_worker_under_the_agent_renders_bucket_urls(built, agent):
    url = worker_url(built, "ours-last", f"worker-{agent}")
    assert url.startswith(built.prefix + "css/site.")


def test_opentelemetry_instrumented_the_requests_it_served(built):
    """The console exporter prints a span per request: the agent was really at work."""
    built.slug.profile_order = "ours-last"
    dyno = built.slug.start("web-otel")
    try:
        assert dyno.get("/")[0] == 200
    finally:
        dyno.stop()
    assert '"http.route"' in dyno.log() or '"http.target"' in dyno.log(), dyno.log()

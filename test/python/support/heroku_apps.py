"""Shared steps of the scenarios on heroku/python's layout: build a manager's app twice (cold, then
the committed cache's fast path), and check what its dynos render against the bucket."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from conftest import deploy_config

from .dyno import AssetCheck, Result, check_assets, http_get
from .heroku_python import AppPython, app_python, has_pip
from .heroku_slug import HerokuSlug, heroku_slug
from .s3server import stored_objects

#: A worker and a one-off print the URL the settings hook makes of one static file: the example
#: app's ``manage.py`` picks the settings, as in any Django project.
RENDER = (
    'python manage.py shell -c "from django.templatetags.static import static; '
    "print('static-url', static('css/site.css'))\""
)
WORKER = f"worker: {RENDER} && sleep 30\n"


@dataclass
class Built:
    slug: HerokuSlug
    bucket: str
    endpoint: str
    cold: Result
    fast: Result

    @property
    def prefix(self) -> str:
        """Where every asset URL of a page must point: the bucket's static folder."""
        return f"{self.endpoint}/{self.bucket}/static/"


def build_twice(
    root: str, app: AppPython, config: dict[str, str], endpoint: str, twice: bool = True
) -> Built:
    """A cold build, then (``twice``) the same checkout pushed again with the static cache it
    wrote."""
    slug = heroku_slug(root, app)
    with open(os.path.join(slug.build_dir, "Procfile"), "a") as procfile:
        procfile.write(WORKER)
    slug.set_config(**config)
    cold = slug.compile()
    fast = slug.compile() if cold.returncode == 0 and twice else cold
    return Built(slug, config["AWS_STORAGE_BUCKET_NAME"], endpoint, cold, fast)


def served_assets(url: str, log: Callable[[], str]) -> list[AssetCheck]:
    """Every asset of the home page and the admin login page a web process serves at ``url``,
    fetched (``log``: the process's output, shown when a page fails)."""
    checks = []
    for path in ("/", "/admin/login/"):
        status, _headers, body = http_get(url + path)
        assert status == 200, log()
        checks += check_assets(body, url + path)
    return checks


def web_assets(built: Built, order: str, process_type: str = "web") -> list:
    """Every asset of the home page and the admin login page of a web dyno, fetched."""
    built.slug.profile_order = order
    dyno = built.slug.start(process_type)
    try:
        return served_assets(dyno.url, dyno.log)
    finally:
        dyno.stop()


def assert_all_from_bucket(checks: list, prefix: str) -> None:
    assert len(checks) >= 10, checks  # the two pages, their stylesheets' url()s
    for check in checks:
        assert check.url.startswith(prefix), check.url
        assert check.status == 200, check.url


def check_promoted(
    output: str, cache: dict, source: str, target: str, client, prefix: str = "static"
) -> None:
    """A release phase's ``promote_static`` copied every object of the static ``cache`` from
    bucket ``source`` to bucket ``target`` server-side, and recorded the release there."""
    objects = cache["objects"]
    assert f"Copying {len(objects)} of {len(objects)} objects from s3://{source}/{prefix}/" in (
        output
    )
    assert "by server-side copy" in output
    stored = stored_objects(client, target)
    for name, entry in objects.items():
        assert stored[f"{prefix}/{name}"] == (entry["size"], entry["md5"]), name
    assert any(key.startswith(f"{prefix}/.manifests/") for key in stored)  # the release's record


def static_url_line(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("static-url "):
            return line.split(" ", 1)[1]
    raise AssertionError(f"no static-url line in:\n{text}")


def worker_url(built: Built, order: str, process_type: str = "worker") -> str:
    """The URL a worker process type printed."""
    built.slug.profile_order = order
    dyno = built.slug.start(process_type)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "static-url " in dyno.log() or dyno.process.poll() is not None:
                break
            time.sleep(0.2)
        return static_url_line(dyno.log())
    finally:
        dyno.stop()


def one_off_url(built: Built, order: str, prefix_command: str = "") -> str:
    """The URL a ``heroku run`` of the same command printed."""
    built.slug.profile_order = order
    result = built.slug.run(f"{prefix_command}{RENDER}".strip())
    assert result.returncode == 0, result.output
    return static_url_line(result.stdout)


INSTALLING = "Installing the build helper's dependencies"


class Builds:
    """One slug per manager fixture for a test module, built twice on first use."""

    def __init__(self, s3server, tmp_path_factory) -> None:
        self.s3server = s3server
        self.tmp_path_factory = tmp_path_factory
        self.built: dict[str, Built] = {}

    def __call__(self, fixture: str) -> Built:
        if fixture not in self.built:
            app = app_python(fixture)
            root = str(self.tmp_path_factory.mktemp(fixture))
            config = deploy_config(self.s3server, self.s3server.bucket(), AWS_LOCATION="static")
            self.built[fixture] = build_twice(root, app, config, self.s3server.endpoint)
        return self.built[fixture]


def site_packages(built: Built) -> str:
    version = built.slug.app_python.version
    return os.path.join(built.slug.python_home, "lib", f"python{version}", "site-packages")


def check_cold_build(built: Built) -> None:
    """It succeeded on a Python without pip (but pip apps') and without urllib3, installing
    nothing: the keys are config vars, and the signed requests need the standard library only."""
    assert built.cold.returncode == 0, built.cold.output
    assert built.cold.stderr == ""
    assert has_pip(built.slug.python_home) == (built.slug.app_python.manager == "pip")
    check_nothing_installed(built.cold.stdout, built.slug.cache_dir, site_packages(built))
    assert "Uploaded" in built.cold.stdout
    check_hook_pieces(built)


def check_nothing_installed(output: str, build_cache: str, app_site_packages: str) -> None:
    """For an app without urllib3 or boto3, with the keys set: no pip ran, and the build cache
    (CACHE_DIR, or the CNB's cached layer) holds the runtime's compiled files and the names memo
    only, no package; the app's Python got none either."""
    assert INSTALLING not in output
    assert not os.path.exists(os.path.join(app_site_packages, "urllib3"))
    installed = os.listdir(os.path.join(build_cache, "django-s3-static"))
    assert sorted(installed) == ["bytecode", "names-memo.json"]


def check_hook_pieces(built: Built) -> None:
    """The hook loads from the user site's ``.pth`` (heroku/python's Python has a user site,
    so no ``sitecustomize`` of ours hides the app's), and ships compiled: hash-based and
    unchecked, so no dyno compiles it and no timestamp matters."""
    home = os.path.join(built.slug.build_dir, ".heroku", "django-s3-static")
    assert not os.path.exists(os.path.join(home, "site"))  # no folder more on every start's path
    assert os.path.isfile(os.path.join(home, "lib", "_django_s3_static_hook.py"))
    user_site = f"{built.slug.build_dir}/.local/lib/python{built.slug.app_python.version}"
    with open(f"{user_site}/site-packages/django-s3-static.pth") as pth:
        loads = pth.read().splitlines()[-1]  # unless switched off (it reads the switch first)
        assert loads.endswith(' or __import__("_django_s3_static_hook")'), loads
    check_compiled(home, built.slug.app_python.version)


def check_compiled(home: str, version: str) -> None:
    """Every module of a runtime home (``site/``, ``lib/``: the slug's or the runtime layer's)
    ships compiled for the app's Python ``version`` (``3.13``), hash-based and unchecked: no
    dyno compiles it, and no file time matters (a CNB export resets them all)."""
    tag = f"cpython-{version.replace('.', '')}"
    sources = [
        os.path.join(folder, name)
        for part in ("site", "lib")
        for folder, _, names in os.walk(os.path.join(home, part))
        for name in names
        if name.endswith(".py")
    ]
    assert len(sources) > 10, sources
    for source in sources:
        name = f"{os.path.basename(source)[:-3]}.{tag}.pyc"
        pyc = os.path.join(os.path.dirname(source), "__pycache__", name)
        with open(pyc, "rb") as compiled:
            assert int.from_bytes(compiled.read(8)[4:], "little") == 0b01, source


def check_fast_path(built: Built) -> None:
    assert built.fast.returncode == 0, built.fast.output
    check_fast_path_output(built.fast.stdout)


def check_fast_path_output(output: str) -> None:
    """The committed cache's build: verified, nothing collected, installed or uploaded."""
    assert "Static files unchanged" in output
    assert "Installing" not in output and "Collecting" not in output
    assert "Uploaded" not in output


#: What heroku/python's .profile.d scripts set, as a one-off sees it.
PROFILE_PROBE = 'echo "$PYTHONHOME|$WEB_CONCURRENCY|$WEB_CONCURRENCY_SET_BY|$FORWARDED_ALLOW_IPS"'


def check_dynos(built: Built, order: str, worker: bool = True) -> None:
    """heroku/python's settings are there; a web dyno's pages, a one-off's and a worker's URL:
    all from the bucket."""
    built.slug.profile_order = order
    probe = built.slug.run(PROFILE_PROBE)
    home, concurrency, set_by, forwarded = probe.stdout.strip().split("|")
    assert home.endswith("/.heroku/python") and os.path.isdir(home), probe.output
    assert (concurrency, set_by, forwarded) == ("2", "heroku/python", "*")  # a 512 MB dyno
    assert_all_from_bucket(web_assets(built, order), built.prefix)
    assert one_off_url(built, order).startswith(built.prefix + "css/site.")
    if worker:
        assert worker_url(built, order).startswith(built.prefix + "css/site.")

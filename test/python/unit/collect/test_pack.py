"""A full collect's pack holds what Django's ManifestStaticFilesStorage writes into a folder.

The build's collect (``collect.collect``, which writes the pack) and Django's own collectstatic
run on the same small project, each in its own process (no server): same names, same bytes, the
same manifest and the same description of each file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django_s3_static.collect.folder import MANIFEST_NAME, walk
from django_s3_static.collect.pack import PACK_NAME
from support.dyno import ROOT

SETTINGS = """
import os
SECRET_KEY = "pack-test"
INSTALLED_APPS = ["django.contrib.staticfiles"]
STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("PACK_TEST_ROOT", "unused")
STATICFILES_DIRS = [os.path.join(os.path.dirname(__file__), "assets")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
"""

ASSETS = {
    # Nested stylesheets referring to each other (more than one post-processing pass), an
    # image, a folder (left as written: a folder has no hash) and a source map.
    "css/site.css": b'@import url("parts/deep.css");\n.a { background: url("../img/logo.png"); }\n',
    "css/parts/deep.css": b'.b { background: url("../../img/logo.png"); }\n.c { x: url("../"); }\n',
    "img/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "js/app.js": b"console.log(1);\n//# sourceMappingURL=app.js.map\n",
    "js/app.js.map": b'{"version": 3, "sources": [], "mappings": ""}\n',
}


def run(code: list[str], project, root) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "packtest_settings",
        "PYTHONPATH": os.pathsep.join([str(project), os.path.join(ROOT, "lib")]),
        "PACK_TEST_ROOT": str(root),
    }
    done = subprocess.run(
        [sys.executable, *code], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_pack_holds_the_files_django_writes_into_a_folder(tmp_path):
    project = tmp_path / "project"
    (project / "assets").mkdir(parents=True)
    (project / "packtest_settings.py").write_text(SETTINGS)
    for name, data in ASSETS.items():
        (project / "assets" / name).parent.mkdir(parents=True, exist_ok=True)
        (project / "assets" / name).write_bytes(data)
    folder, packed, result = tmp_path / "folder", tmp_path / "packed", tmp_path / "result.json"
    django = "import django; django.setup(); from django.core.management import call_command; "
    run(
        ["-c", django + "call_command('collectstatic', interactive=False, verbosity=0)"],
        project,
        folder,
    )
    collect = ["-m", "django_s3_static.collect.collect", "--result", str(result)]
    run([*collect, "--collect-to", str(packed)], project, packed)

    collected = json.loads(result.read_text())["collected"]
    # No file of its own for any collected file; Django's manifest where Django leaves it.
    assert sorted(os.listdir(packed)) == sorted([PACK_NAME, MANIFEST_NAME])
    assert (packed / MANIFEST_NAME).read_bytes() == (folder / MANIFEST_NAME).read_bytes()
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    assert collected["paths"] == manifest["paths"]
    assert collected["objects"] == walk(str(folder))
    assert sorted(collected["offsets"]) == sorted(collected["objects"])
    pack = (packed / PACK_NAME).read_bytes()
    for name, offset in collected["offsets"].items():
        size = collected["objects"][name]["size"]
        assert pack[offset : offset + size] == (folder / name).read_bytes(), name
    hashed = manifest["paths"]["css/parts/deep.css"]
    assert b'url("../")' in (folder / hashed).read_bytes()  # the folder reference as written

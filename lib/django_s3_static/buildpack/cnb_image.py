"""The CNB build once the app's process is running: publish, report, clean up after heroku/python,
and write the layers (``cnb_layers``). ``slug`` is the same for Cedar."""

from __future__ import annotations

import os

from .. import output
from ..publish.app_process import Publishing
from . import cnb_agents, cnb_collectstatic, cnb_layers, install, procfile
from .slug import publish_build


def build_image(app_dir: str, layers_dir: str, manage_py: str, publishing: Publishing) -> None:
    """Publish, report, clean up after heroku/python's collectstatic, and write the runtime
    layer; the build cache is the cached layer's folder."""
    app, env, build_cache = publishing.app, publishing.env, publishing.build_cache
    outcome = publish_build(app_dir, publishing, where="the image")
    cnb_collectstatic.clean_up(app_dir, manage_py, outcome.cache_file, outcome.heroku_python, env)
    promotes = procfile.release_promotes(app_dir)
    cache_path = os.path.normpath(
        os.path.join(os.path.abspath(app.app_dir), outcome.config.static_cache_dir)
    )
    kept = cnb_layers.install_runtime_layer(
        layers_dir, cache_path, app.settings, promotes, build_cache
    )
    layer = cnb_layers.RUNTIME_LAYER
    if kept:
        output.info(f"Dyno settings snippet: the {layer} layer is unchanged, the image keeps it")
    else:
        output.info(f"Installed the dyno settings snippet (the {layer} layer and its env.launch)")
    if promotes:
        install.say_promotes()
    cnb_agents.say_hidden_hook(app_dir, app.app_dir, app.settings)
    publishing.timings.lap("record and install")

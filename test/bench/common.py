"""The benchmark's paths and settings; importing it puts test/python and lib on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "test" / "python"), str(HERE), str(ROOT / "lib")]

BENCH_VENV = ROOT / ".venv-bench"  # beside .venv: third-party code stays out of test/
REQUIREMENTS = HERE / "requirements.txt"
RESULTS = ROOT / "test" / ".cache" / "bench-results.md"
REGION = "us-east-1"
PREFIX = "static"  # AWS_LOCATION for the buildpack; the same key prefix for every tool
DJANGO_SECRET = "bench-only-django-secret-key"
PAGE = 1000  # keys per ListObjectsV2 page
FONT_EXTENSIONS = (".woff", ".woff2", ".ttf", ".otf", ".eot")  # the build checks CORS for these

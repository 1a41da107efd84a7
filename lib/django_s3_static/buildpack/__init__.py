"""The buildpack's helper process, started by ``bin/compile`` and ``bin/test-compile``."""

"""Publishing: the decisions and uploads the helper and ``publish_static`` share, and the start
of the app's own process (``collect``) that reads the settings and collects."""

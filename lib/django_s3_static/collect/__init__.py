"""What runs inside the app's Python with the app's settings: a child process of the helper or of
``publish_static``, which lists, fingerprints and collects the static files."""

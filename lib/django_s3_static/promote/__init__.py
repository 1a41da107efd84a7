"""The release phase: ``promote_static`` makes the configured bucket hold every object the slug's
static cache names, before Heroku starts the release's dynos."""

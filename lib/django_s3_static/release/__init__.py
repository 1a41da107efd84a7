"""The release phase: ``promote_static`` makes the configured bucket hold every object the slug's
static cache names, before Heroku starts the release's dynos. Copied into the slug with the runtime
and the S3 client; imports ``config``, ``errors``, ``format`` and ``s3``."""

"""django-s3-static: Django static files built once, published to S3, rendered from the slug."""

__version__ = "0.1.0"

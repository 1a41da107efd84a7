"""Documented import path of the dyno's storage: ``django_s3_static.storage.S3ManifestStorage``."""

from .runtime.storage import S3ManifestStorage

__all__ = ["S3ManifestStorage"]

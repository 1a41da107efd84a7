"""The S3 client: every request the buildpack and its commands send, behind ``Bucket``."""

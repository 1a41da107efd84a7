"""What the slug gets: the settings snippet, the settings wrapper, the storage, the slug cache
level and the system checks. No network call, no build-time code.

Users name these through the documented paths ``django_s3_static.snippet``,
``django_s3_static.dyno_settings`` and ``django_s3_static.storage``, which re-export them.
"""

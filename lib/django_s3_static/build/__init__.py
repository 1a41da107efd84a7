"""What runs at slug build time (``python -m django_s3_static.build``) and in ``publish_static``.

Never copied into the slug: the dyno gets ``runtime``, ``format`` and ``cache`` only.
"""

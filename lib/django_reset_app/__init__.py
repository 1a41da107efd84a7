"""reset_app: start a Django app's migrations over, during early development.

Its own Django app (add ``"django_reset_app"`` to ``INSTALLED_APPS`` where you want it): the
buildpack never copies it into a slug, and the dyno settings never install it.
"""

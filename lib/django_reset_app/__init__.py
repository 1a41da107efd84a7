"""reset_app: start a Django app's migrations over, during early development.

Its own Django app: the buildpack never copies it into a slug.
"""

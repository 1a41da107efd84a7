"""The dyno's runtime pieces: the slug's cache level and integrity; no network, no build code."""

"""The release phase: ``promote_static`` fills the configured bucket before the dynos start."""

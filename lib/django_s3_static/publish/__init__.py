"""Publishing: the decisions and uploads the helper and ``publish_static`` share."""

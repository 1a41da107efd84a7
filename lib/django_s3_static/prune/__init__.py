"""``prune_static``'s plan: which records and objects under a prefix a prune keeps."""

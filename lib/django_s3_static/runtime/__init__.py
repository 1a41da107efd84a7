"""The dyno's pieces besides the storage and the snippet: the settings hook, the chain's slug
level, integrity attributes and the system checks. No network call, no build-time code."""

"""What the build writes and the dyno reads: the static cache, its records, its locations."""

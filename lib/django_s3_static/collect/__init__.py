"""What runs in the app's own process, with its settings, started by the helper or a command."""

"""Platform runners: the only code that starts emulators (always with timeouts)."""

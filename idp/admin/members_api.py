"""Admin API: placeholder, filled by the administration work."""

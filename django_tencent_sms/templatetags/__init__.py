"""Template tags for the app's admin pages."""

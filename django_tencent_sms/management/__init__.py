"""The app's management commands and what they share."""

"""The app's management commands (in ``commands``) and what they share."""

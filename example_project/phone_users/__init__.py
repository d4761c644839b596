"""The allauth variant's user model: the number on the user (``DEMO_AUTH=allauth``)."""

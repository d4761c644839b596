"""The ``manage.py`` commands: purging old rows, pulling reports, running the emulator."""

"""manage.py commands: purging old logs and codes, pulling delivery reports, the emulator."""

"""These tests import django-two-factor-auth's models, which load only where its apps are
installed (``tests.two_factor_settings``): every other run leaves the modules uncollected."""

import os

from tests.conftest import TWO_FACTOR_SETTINGS

if os.environ.get("DJANGO_SETTINGS_MODULE") != TWO_FACTOR_SETTINGS:
    collect_ignore_glob = ["test_*.py"]

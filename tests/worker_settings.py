"""Settings for the processes that tests/test_background.py starts: ``db_worker`` and helpers.

The test suite's settings, with the database task backend and, from the environment, the
database (``TENCENT_SMS_WORKER_DATABASE``: the test's own database, as JSON) and the SMS
settings (``TENCENT_SMS_WORKER_SMS``: the emulator of the test, as JSON).
"""

import json
import os

from tests.settings import *  # noqa: F403
from tests.settings import TENCENT_SMS as _TEST_SMS

DATABASES = {"default": json.loads(os.environ["TENCENT_SMS_WORKER_DATABASE"])}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TENCENT_SMS = {**_TEST_SMS, **json.loads(os.environ.get("TENCENT_SMS_WORKER_SMS", "{}"))}

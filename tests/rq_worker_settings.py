"""Settings for the ``rqworker`` processes that tests/sending/test_rq_workers.py starts.

``tests.worker_settings`` (the test's database and emulator, from the environment), with RQ as
the task backend: django-tasks-rq's, on the Redis database that ``TENCENT_SMS_WORKER_REDIS`` (a
``redis://host:port/db`` URL) names, as README "Background sending" configures it.
"""

import os

from tests.worker_settings import *  # noqa: F403
from tests.worker_settings import INSTALLED_APPS as _TEST_APPS

INSTALLED_APPS = [*_TEST_APPS, "django_rq", "django_tasks_rq"]
TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": os.environ["TENCENT_SMS_WORKER_REDIS"], "DEFAULT_TIMEOUT": 60}}

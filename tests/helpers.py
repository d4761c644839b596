"""Plain helpers shared by the test modules: the phone, the start time, a controllable clock…

Fixtures built on these live in ``tests/otp/fixtures.py``.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission, User

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "+8613812345678"
#: Where the ``clock`` fixture starts.
START = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


class Clock:
    """A clock that stands still until told to move: ``advance(60)`` or ``advance(hours=14)``."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds=0, **delta):
        self.now += timedelta(seconds=seconds, **delta)


def user_by_username(phone):
    """A USER_LOOKUP for auth.User: the user whose username is the number in E.164."""
    return User.objects.filter(username=phone.as_e164).first()


def last_code(sms_outbox):
    """The code in the last message sent."""
    return sms_outbox[-1].params[0]


def wrong(code):
    """A code of the same length that is not ``code``."""
    return "000000" if code != "000000" else "111111"


def staff(username, *perms):
    """A staff user (password "pw") holding ``perms``, each "app_label.codename"."""
    user = User.objects.create_user(username, password="pw", is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user

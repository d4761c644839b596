"""Error reports of this app's views: its secrets hidden even with ``DEBUG`` on.

Django's ``SafeExceptionReporterFilter`` hides what ``sensitive_variables`` and
``sensitive_post_parameters`` name only while ``DEBUG`` is off. The views that handle
verification codes and the callback token give their requests a filter of the site's own class
that is active always, so the technical 500 page of a development server or a staging site left
with ``DEBUG = True`` does not show them either.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter, get_default_exception_reporter_filter

from django_tencent_sms.conf import OTP_SECRET_KEYS

__all__ = ["hide_secrets_in_reports"]


_ALWAYS_ACTIVE: dict[type, type[SafeExceptionReporterFilter]] = {}


def _always_active(base: type[SafeExceptionReporterFilter]) -> type[SafeExceptionReporterFilter]:
    """``base``, with an ``is_active`` that says yes (one class per base)."""
    found = _ALWAYS_ACTIVE.get(base)
    if found is None:

        def is_active(self: Any, request: Any) -> bool:
            return True

        def cleanse_setting(self: Any, key: Any, value: Any) -> Any:
            # TEST_NUMBERS' name says nothing secret to Django, but its values are codes.
            if key in OTP_SECRET_KEYS and value:
                return self.cleansed_substitute
            return base.cleanse_setting(self, key, value)

        found = _ALWAYS_ACTIVE[base] = type(
            f"AlwaysActive{base.__name__}",
            (base,),
            {"is_active": is_active, "cleanse_setting": cleanse_setting},
        )
    return found


def hide_secrets_in_reports(request: HttpRequest) -> None:
    """Make the error reports of ``request`` hide what is marked sensitive, ``DEBUG`` or not."""
    base = type(get_default_exception_reporter_filter())
    request.exception_reporter_filter = _always_active(base)()

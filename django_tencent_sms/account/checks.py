"""System checks of the account settings: ``STATS_TOLERANCE`` (E042) and ``LOW_BALANCE`` (E043).

Whatever the settings hold, the checks report and never raise.
"""

from __future__ import annotations

import math
from typing import Any

from django.core import checks

from django_tencent_sms.conf import SETTING_NAME, sms_settings
from django_tencent_sms.exceptions import ConfigurationError

__all__ = ["check_account_settings"]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@checks.register()
def check_account_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E042: ``STATS_TOLERANCE`` a fraction from 0 to below 1; E043: ``LOW_BALANCE`` a whole
    number of units from 0, or None."""
    try:
        settings = sms_settings.user_settings
    except ConfigurationError:
        return []  # E001 says so
    found: list[checks.CheckMessage] = []
    tolerance = settings.get("STATS_TOLERANCE", 0.02)
    if not (_is_number(tolerance) and 0 <= tolerance < 1 and math.isfinite(tolerance)):
        found.append(
            checks.Error(
                f"{SETTING_NAME}['STATS_TOLERANCE'] must be a fraction from 0 to below 1 "
                f"(0.02 is 2 %), not {type(tolerance).__name__} {str(tolerance)[:40]!r}.",
                hint="The dashboard falls back to 0.02 until it is fixed.",
                id="tencent_sms.E042",
            )
        )
    low = settings.get("LOW_BALANCE")
    if low is not None and not (isinstance(low, int) and not isinstance(low, bool) and low >= 0):
        found.append(
            checks.Error(
                f"{SETTING_NAME}['LOW_BALANCE'] must be a whole number of units from 0, or None, "
                f"not {type(low).__name__} {str(low)[:40]!r}.",
                hint="manage.py tencent_sms_balance ignores it until it is fixed.",
                id="tencent_sms.E043",
            )
        )
    return found

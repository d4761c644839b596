"""Tencent SMS result codes as data: what each means, its category and who has to act on it.

The legacy API answers a numeric ``result`` (``legacy``), API 3.0 an error-code name
(``cloud``); behaviour hangs on those, never on Tencent's ``errmsg`` wording, which is not
stable. Meanings and hints are English here (exceptions and log lines stay English) and in the
translation catalogue; the admin shows them with ``gettext``. ``readme`` renders the README's
troubleshooting tables from these tables.
"""

from __future__ import annotations

from django_tencent_sms.result_codes.cloud import CLOUD_CODES, CLOUD_EQUIVALENTS, cloud_lookup
from django_tencent_sms.result_codes.kinds import Category, CloudCode, ResultCode, gettext_noop
from django_tencent_sms.result_codes.legacy import RESULT_CODES, lookup

__all__ = [
    "CLOUD_CODES",
    "CLOUD_EQUIVALENTS",
    "RESULT_CODES",
    "Category",
    "CloudCode",
    "ResultCode",
    "cloud_lookup",
    "gettext_noop",
    "lookup",
]

"""Where "No account can be found" leads: the site's sign-up page, ``OTP["SIGNUP_URL"]``.

The setting is a URL name ("signup", "accounts:signup") or a path of this site ("/join/"); None
(the default) offers no link. It is resolved when a page needs it, and only a link to this site
is ever shown: a name that does not reverse, another site's address, or anything that is not a
plain path gives no link (and W090 from ``manage.py check``), never an error page or an open
redirect.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch
from django.utils.http import url_has_allowed_host_and_scheme

from django_tencent_sms.otp.conf import OTP_SETTING, merged_otp_settings

__all__ = ["check_signup_url", "configured_signup_url", "signup_url"]

#: Longest setting value looked at.
MAX_LENGTH = 2000


def configured_signup_url() -> str | None:
    """The path ``OTP["SIGNUP_URL"]`` names on this site, or None: unset, or unusable."""
    conf = merged_otp_settings()
    value = conf.get("SIGNUP_URL") if isinstance(conf, dict) else None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_LENGTH:
        return None
    try:
        url = str(resolve_url(value.strip()))
    except (NoReverseMatch, ValueError, TypeError):
        return None
    if not url.startswith("/") or url.startswith("//") or not url.isprintable() or "\\" in url:
        return None  # a name left unresolved, another site, or a scheme: no link
    return url


def signup_url(request: HttpRequest) -> str:
    """The sign-up link for a person whose number has no account; "" when the site has none."""
    url = configured_signup_url()
    if url is None:
        return ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""


@checks.register(checks.Tags.urls)
def check_signup_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W090: ``OTP["SIGNUP_URL"]`` is set but names no page of this site."""
    try:
        conf = merged_otp_settings()
        value = conf.get("SIGNUP_URL") if isinstance(conf, dict) else None
        if value is None or configured_signup_url() is not None:
            return []
    except Exception:  # a broken setting or URLconf: E001/E012 and Django's URL checks say so
        return []
    return [
        checks.Warning(
            f"{OTP_SETTING}['SIGNUP_URL'] is {value!r}, which names no page of this site: "
            "people whose number has no account are offered no way to sign up.",
            hint='Set it to a URL name (e.g. "signup") or a path of this site (e.g. "/join/"), '
            "or None.",
            id="tencent_sms.W090",
        )
    ]

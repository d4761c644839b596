"""W055: the sign-in pages are mounted, but where they send a signed-in person is a 404.

Django's default ``LOGIN_REDIRECT_URL`` is ``/accounts/profile/``, which a new project does not
have: after a right code, the person lands on "Page not found". Reported by ``manage.py check``,
never raising whatever the setting holds.
"""

from __future__ import annotations

from typing import Any

from django.core import checks

from django_tencent_sms.otp.checks import otp_urls_mounted

__all__ = ["check_login_redirect"]


def unresolved_redirect() -> str | None:
    """The path ``LOGIN_REDIRECT_URL`` names when this site's URLconf has no page there."""
    from django.conf import settings
    from django.shortcuts import resolve_url
    from django.urls import Resolver404, resolve

    try:
        url = str(resolve_url(settings.LOGIN_REDIRECT_URL))
    except Exception:  # a URL name that does not reverse: that is a 404 too
        return str(settings.LOGIN_REDIRECT_URL)
    if not url.startswith("/") or url.startswith("//"):
        return None  # another site's URL: not this URLconf's to judge
    try:
        resolve(url.split("?", 1)[0].split("#", 1)[0])
    except Resolver404:
        return url
    return None


@checks.register(checks.Tags.urls)
def check_login_redirect(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W055, when ``django_tencent_sms.otp.urls`` is mounted."""
    try:
        if not otp_urls_mounted():
            return []
        url = unresolved_redirect()
    except Exception:  # a broken URLconf is reported by Django's own URL checks
        return []
    if url is None:
        return []
    return [
        checks.Warning(
            f"After signing in with a code, people are sent to LOGIN_REDIRECT_URL ({url!r}), "
            "but this site has no page there: they would see 'Page not found'.",
            hint='Set LOGIN_REDIRECT_URL to a page of your site, e.g. "/" or a URL name.',
            id="tencent_sms.W055",
        )
    ]

"""The real backend for Tencent's legacy SMS API (``yun.tim.qq.com/v5/tlssmssvr``)."""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import phonenumbers
import requests
from django.views.decorators.debug import sensitive_variables

from django_tencent_sms.backends.http import HttpBackend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.message import BulkMessage, BulkResult, SendResult, SmsMessage
from django_tencent_sms.protocol import v5, v5_catalog, v5_statistics, v5_voice
from django_tencent_sms.protocol.catalog import CatalogPage
from django_tencent_sms.protocol.reports import PullBatch
from django_tencent_sms.protocol.statistics import (
    CallbackStatistics,
    HourSpan,
    SendStatistics,
    SmsPackage,
)
from django_tencent_sms.protocol.v5_by_number import (
    build_pullstatus4mobile,
    parse_pullstatus4mobile_response,
)
from django_tencent_sms.voice_message import VoiceCodeMessage

__all__ = ["TencentBackend", "new_random"]


def new_random() -> str:
    """A fresh 10-digit ``random`` from a cryptographic source (the docs' examples use 10)."""
    return str(secrets.randbelow(9_000_000_000) + 1_000_000_000)


class TencentBackend(HttpBackend):
    """Signs and posts ``sendsms`` requests over one pooled keep-alive session.

    Arguments default to the ``TENCENT_SMS`` settings (``SDK_APP_ID``, ``APP_KEY``,
    ``API_URL``); ``timeout``, ``connect_retries`` and ``pool_size`` are ``HttpBackend``'s. One
    instance is safe to share between threads; ``get_backend()`` shares one per process.
    """

    endpoint = "sendsms"
    url_setting = "API_URL"

    @sensitive_variables("app_key", "kwargs")
    def __init__(
        self,
        *,
        sdk_app_id: str | None = None,
        app_key: str | None = None,
        api_url: str | None = None,
        voice_api_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(credentials={"SDK_APP_ID": sdk_app_id, "APP_KEY": app_key}, **kwargs)
        self.sdk_app_id = self.credential("SDK_APP_ID")
        self.api_url = (api_url or sms_settings.API_URL).rstrip("/")
        voice = voice_api_url or sms_settings.VOICE_API_URL
        # Not a string: voice codes are unavailable (system check E044); SMS is unaffected.
        self.voice_api_url = voice.rstrip("/") if isinstance(voice, str) else ""

    def __repr__(self) -> str:
        return f"<TencentBackend sdk_app_id={self.sdk_app_id} api_url={self.api_url}>"

    def _signed_post(
        self, build_request: Callable[..., v5.HttpRequest], api_url: str | None = None
    ) -> requests.Response:
        """Post the request ``build_request`` makes, given the account and a fresh ``random``
        and the current time for every attempt, retries included."""

        @sensitive_variables()  # the app key, and the body with the parameters
        def build() -> tuple[str, bytes, None]:
            request = build_request(
                api_url=api_url or self.api_url,
                sdk_app_id=self.sdk_app_id,
                app_key=self.credential("APP_KEY"),
                random=new_random(),
                now=int(time.time()),
            )
            return request.url, request.body, None

        return self.post(build, target=api_url or self.api_url)

    def send(self, message: SmsMessage) -> SendResult:
        response = self._signed_post(functools.partial(v5.build_sendsms, message))
        return v5.parse_sendsms_response(response.status_code, response.content)

    def send_bulk(self, message: BulkMessage) -> BulkResult:
        """One ``sendmultisms2`` request for all of ``message``'s numbers (at most 200, all
        domestic or all international), with the session, timeouts and connect retries of
        ``send``. Per-number refusals come back in the result; a refusal of the whole request or
        a transport failure is raised, as by ``send``."""
        response = self._signed_post(functools.partial(v5.build_sendmultisms2, message))
        return v5.parse_sendmultisms2_response(response.status_code, response.content, message)

    can_send_voice_code = True

    def send_voice_code(self, message: VoiceCodeMessage) -> SendResult:
        """``sendcvoice`` at ``VOICE_API_URL``, signed with the SMS app's key (see
        ``BaseBackend``); the session, timeouts and error mapping of ``send``."""
        build = functools.partial(v5_voice.build_sendcvoice, message)
        response = self._signed_post(build, self.voice_api_url)
        return v5_voice.parse_sendcvoice_response(response.status_code, response.content)

    can_pull = True

    def pull_reports(self, limit: int = v5.MAX_PULL) -> PullBatch:
        """``pullstatus`` type 0: up to ``limit`` delivery reports (see ``BaseBackend``)."""
        return self._pull(v5.PULL_REPORTS, limit)

    def pull_replies(self, limit: int = v5.MAX_PULL) -> PullBatch:
        """``pullstatus`` type 1: up to ``limit`` replies (see ``BaseBackend``)."""
        return self._pull(v5.PULL_REPLIES, limit)

    def _pull(self, kind: int, limit: int) -> PullBatch:
        response = self._signed_post(functools.partial(v5.build_pullstatus, kind, limit=limit))
        return v5.parse_pullstatus_response(response.status_code, response.content, kind)

    can_lookup_number = True

    def number_reports(
        self, phone: str, begin: datetime, end: datetime, limit: int = v5.MAX_PULL
    ) -> PullBatch:
        """``pullstatus4mobile`` type 0 (see ``BaseBackend``)."""
        return self._pull_number(v5.PULL_REPORTS, phone, begin, end, limit)

    def number_replies(
        self, phone: str, begin: datetime, end: datetime, limit: int = v5.MAX_PULL
    ) -> PullBatch:
        """``pullstatus4mobile`` type 1 (see ``BaseBackend``)."""
        return self._pull_number(v5.PULL_REPLIES, phone, begin, end, limit)

    def _pull_number(
        self, kind: int, phone: str, begin: datetime, end: datetime, limit: int
    ) -> PullBatch:
        number = phonenumbers.parse(phone)
        build = functools.partial(
            build_pullstatus4mobile,
            kind,
            nationcode=str(number.country_code),
            mobile=phonenumbers.national_significant_number(number),
            begin=int(begin.timestamp()),
            end=int(end.timestamp()),
            limit=limit,
        )
        response = self._signed_post(build)
        return parse_pullstatus4mobile_response(response.status_code, response.content, kind)

    # -- Tencent's figures for the account ----------------------------------------------------

    can_fetch_statistics = True
    #: Pages of packages read at most (a runaway ``total`` must not loop for ever).
    max_package_pages = 20

    def send_statistics(self, span: HourSpan) -> SendStatistics:
        """``pullsendstatus`` for ``span`` (see ``BaseBackend``)."""
        response = self._signed_post(functools.partial(v5_statistics.build_pullsendstatus, span))
        return v5_statistics.parse_pullsendstatus_response(response.status_code, response.content)

    def callback_statistics(self, span: HourSpan) -> CallbackStatistics:
        """``pullcallbackstatus`` for ``span`` (see ``BaseBackend``)."""
        build = functools.partial(v5_statistics.build_pullcallbackstatus, span)
        response = self._signed_post(build)
        return v5_statistics.parse_pullcallbackstatus_response(
            response.status_code, response.content
        )

    def sms_packages(self) -> tuple[SmsPackage, ...]:
        """``getsmspackages``, page after page until ``total`` are read (see ``BaseBackend``)."""
        packages: list[SmsPackage] = []
        length = v5_statistics.MAX_PACKAGE_PAGE
        for _page in range(self.max_package_pages):
            build = functools.partial(v5_statistics.build_getsmspackages, len(packages), length)
            response = self._signed_post(build)
            page = v5_statistics.parse_getsmspackages_response(
                response.status_code, response.content
            )
            packages += page.packages
            if len(page.packages) < length or len(packages) >= page.total:
                break
        return tuple(packages)

    can_list_catalog = True
    catalog_page_size = v5_catalog.MAX_PAGE

    def list_templates(
        self, *, offset: int = 0, limit: int | None = None, international: int = 0
    ) -> CatalogPage:
        """``get_template`` with ``tpl_page`` (see ``BaseBackend``); it lists domestic and
        international templates together, so ``international`` is not sent."""
        size = limit or v5_catalog.MAX_PAGE
        build = functools.partial(v5_catalog.build_get_template, limit=size, offset=offset)
        response = self._signed_post(build)
        return v5_catalog.parse_get_template_response(
            response.status_code, response.content, limit=size
        )

    def list_signs(
        self,
        *,
        sign_ids: list[int] | None = None,
        offset: int = 0,
        limit: int | None = None,
        international: int = 0,
    ) -> CatalogPage:
        """``get_sign`` for ``sign_ids``: the legacy API cannot list signatures it is not given
        the IDs of."""
        if not sign_ids:
            raise ValueError("get_sign needs the signatures' IDs")
        build = functools.partial(v5_catalog.build_get_sign, sign_ids=list(sign_ids))
        response = self._signed_post(build)
        return v5_catalog.parse_get_sign_response(
            response.status_code, response.content, limit=len(sign_ids)
        )

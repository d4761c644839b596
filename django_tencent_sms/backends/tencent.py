"""The real backend for Tencent's legacy SMS API (``yun.tim.qq.com/v5/tlssmssvr``)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django_tencent_sms.backends.http import (
    MAX_TIMEOUT,
    USER_AGENT,
    HttpBackend,
    Timeout,
    _caused_by,
    _never_sent,
    normalize_connect_retries,
    normalize_timeout,
)
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.message import BulkMessage, BulkResult, SendResult, SmsMessage
from django_tencent_sms.protocol import v5
from django_tencent_sms.protocol.reports import PullBatch

__all__ = ["TencentBackend", "new_random", "normalize_connect_retries", "normalize_timeout"]

# Kept importable from here: they lived in this module before the HTTP base was shared.
__all__ += ["MAX_TIMEOUT", "USER_AGENT", "Timeout", "_caused_by", "_never_sent"]


def new_random() -> str:
    """A fresh 10-digit ``random`` from a cryptographic source (the docs' examples use 10)."""
    return str(secrets.randbelow(9_000_000_000) + 1_000_000_000)


class TencentBackend(HttpBackend):
    """Signs and posts ``sendsms`` requests over one pooled keep-alive session.

    Arguments default to the ``TENCENT_SMS`` settings. One instance is safe to share between
    threads; ``get_backend()`` shares one per process.
    """

    endpoint = "sendsms"
    url_setting = "API_URL"

    def __init__(
        self,
        *,
        sdk_app_id: str | None = None,
        app_key: str | None = None,
        api_url: str | None = None,
        timeout: Timeout | None = None,
        connect_retries: int | None = None,
        pool_size: int = 16,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            timeout=timeout, connect_retries=connect_retries, pool_size=pool_size, **kwargs
        )
        self.sdk_app_id = str(sdk_app_id or sms_settings.require("SDK_APP_ID")).strip()
        self._app_key = (app_key or sms_settings.require("APP_KEY")).strip()
        self.api_url = (api_url or sms_settings.API_URL).rstrip("/")

    def __repr__(self) -> str:
        return f"<TencentBackend sdk_app_id={self.sdk_app_id} api_url={self.api_url}>"

    def send(self, message: SmsMessage) -> SendResult:
        def build() -> tuple[str, bytes, None]:
            # A fresh random and the current time for every request, retries included.
            request = v5.build_sendsms(
                message,
                api_url=self.api_url,
                sdk_app_id=self.sdk_app_id,
                app_key=self._app_key,
                random=new_random(),
                now=int(time.time()),
            )
            return request.url, request.body, None

        response = self.post(build, target=self.api_url)
        return v5.parse_sendsms_response(response.status_code, response.content)

    def send_bulk(self, message: BulkMessage) -> BulkResult:
        """One ``sendmultisms2`` request for all of ``message``'s numbers (at most 200, all
        domestic or all international), with the session, timeouts and connect retries of
        ``send``. Per-number refusals come back in the result; a refusal of the whole request or
        a transport failure is raised, as by ``send``."""

        def build() -> tuple[str, bytes, None]:
            request = v5.build_sendmultisms2(
                message,
                api_url=self.api_url,
                sdk_app_id=self.sdk_app_id,
                app_key=self._app_key,
                random=new_random(),
                now=int(time.time()),
            )
            return request.url, request.body, None

        response = self.post(build, target=self.api_url)
        return v5.parse_sendmultisms2_response(response.status_code, response.content, message)

    can_pull = True

    def pull_reports(self, limit: int = v5.MAX_PULL) -> PullBatch:
        """``pullstatus`` type 0: up to ``limit`` delivery reports (see ``BaseBackend``)."""
        return self._pull(v5.PULL_REPORTS, limit)

    def pull_replies(self, limit: int = v5.MAX_PULL) -> PullBatch:
        """``pullstatus`` type 1: up to ``limit`` replies (see ``BaseBackend``)."""
        return self._pull(v5.PULL_REPLIES, limit)

    def _pull(self, kind: int, limit: int) -> PullBatch:
        def build() -> tuple[str, bytes, None]:
            request = v5.build_pullstatus(
                kind,
                limit=limit,
                api_url=self.api_url,
                sdk_app_id=self.sdk_app_id,
                app_key=self._app_key,
                random=new_random(),
                now=int(time.time()),
            )
            return request.url, request.body, None

        response = self.post(build, target=self.api_url)
        return v5.parse_pullstatus_response(response.status_code, response.content, kind)

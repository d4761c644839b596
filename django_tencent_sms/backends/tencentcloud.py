"""The real backend for Tencent Cloud API 3.0 (``SendSms`` 2021-01-11, TC3-HMAC-SHA256)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django_tencent_sms.backends.http import HttpBackend, Timeout
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.message import BulkMessage, BulkResult, SendResult, SmsMessage
from django_tencent_sms.protocol.reports import PullBatch
from django_tencent_sms.protocol.tc3 import pull, send
from django_tencent_sms.protocol.tc3.action import SignedRequest, parse_endpoint

__all__ = ["TencentCloudBackend"]


class TencentCloudBackend(HttpBackend):
    """Signs and posts API 3.0 ``SendSms`` requests over one pooled keep-alive session.

    The same contract, timeouts and connect retries as ``TencentBackend``, with API 3.0
    credentials: ``SECRET_ID``/``SECRET_KEY`` (a Tencent Cloud API key), ``SDK_APP_ID``,
    ``REGION`` and ``ENDPOINT``. Arguments default to the ``TENCENT_SMS`` settings.
    """

    url_setting = "ENDPOINT"

    def __init__(
        self,
        *,
        sdk_app_id: str | None = None,
        secret_id: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        timeout: Timeout | None = None,
        connect_retries: int | None = None,
        pool_size: int = 16,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            timeout=timeout, connect_retries=connect_retries, pool_size=pool_size, **kwargs
        )
        self.sdk_app_id = str(sdk_app_id or sms_settings.require("SDK_APP_ID")).strip()
        self.secret_id = str(secret_id or sms_settings.require("SECRET_ID")).strip()
        self._secret_key = str(secret_key or sms_settings.require("SECRET_KEY")).strip()
        self.region = str(region or sms_settings.require("REGION")).strip()
        endpoint = endpoint or sms_settings.ENDPOINT
        try:
            self.endpoint = parse_endpoint(endpoint)
        except ValueError as exc:
            raise ConfigurationError(
                f"Invalid TENCENT_SMS['ENDPOINT'] {endpoint!r}: {exc}."
            ) from None

    def __repr__(self) -> str:
        return (
            f"<TencentCloudBackend sdk_app_id={self.sdk_app_id} region={self.region} "
            f"endpoint={self.endpoint.url}>"
        )

    def send(self, message: SmsMessage) -> SendResult:
        def build() -> tuple[str, bytes, dict[str, str]]:
            # Signed at the current time for every attempt, retries included.
            request = send.build_send_sms(
                message,
                sdk_app_id=self.sdk_app_id,
                secret_id=self.secret_id,
                secret_key=self._secret_key,
                region=self.region,
                endpoint=self.endpoint,
                now=int(time.time()),
            )
            return request.url, request.body, request.headers

        response = self.post(build, target=self.endpoint.url)
        return send.parse_send_sms_response(response.status_code, response.content)

    def send_bulk(self, message: BulkMessage) -> BulkResult:
        """One ``SendSms`` request for all of ``message``'s numbers (at most 200, all domestic
        or all international), with the session, timeouts and connect retries of ``send``.
        Per-number refusals come back in the result; a refusal of the whole request or a
        transport failure is raised, as by ``send``."""

        def build() -> tuple[str, bytes, dict[str, str]]:
            request = send.build_send_sms_bulk(
                message,
                sdk_app_id=self.sdk_app_id,
                secret_id=self.secret_id,
                secret_key=self._secret_key,
                region=self.region,
                endpoint=self.endpoint,
                now=int(time.time()),
            )
            return request.url, request.body, request.headers

        response = self.post(build, target=self.endpoint.url)
        return send.parse_send_sms_bulk_response(response.status_code, response.content, message)

    can_pull = True

    def pull_reports(self, limit: int = pull.MAX_PULL) -> PullBatch:
        """``PullSmsSendStatus``: up to ``limit`` delivery reports (see ``BaseBackend``)."""
        response = self._pull(pull.build_pull_send_status, limit)
        return pull.parse_pull_send_status_response(response.status_code, response.content)

    def pull_replies(self, limit: int = pull.MAX_PULL) -> PullBatch:
        """``PullSmsReplyStatus``: up to ``limit`` replies (see ``BaseBackend``)."""
        response = self._pull(pull.build_pull_reply_status, limit)
        return pull.parse_pull_reply_status_response(response.status_code, response.content)

    def _pull(self, build_request: Callable[..., SignedRequest], limit: int) -> Any:
        def build() -> tuple[str, bytes, dict[str, str]]:
            request = build_request(
                limit=limit,
                sdk_app_id=self.sdk_app_id,
                secret_id=self.secret_id,
                secret_key=self._secret_key,
                region=self.region,
                endpoint=self.endpoint,
                now=int(time.time()),
            )
            return request.url, request.body, request.headers

        return self.post(build, target=self.endpoint.url)

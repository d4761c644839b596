"""The real backend for Tencent Cloud API 3.0 (``SendSms`` 2021-01-11, TC3-HMAC-SHA256)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables

from django_tencent_sms.backends.http import HttpBackend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.message import BulkMessage, BulkResult, SendResult, SmsMessage
from django_tencent_sms.protocol.catalog import CatalogPage
from django_tencent_sms.protocol.reports import CHINA_TIME, PullBatch
from django_tencent_sms.protocol.statistics import (
    HOUR_FORMAT,
    CallbackStatistics,
    HourSpan,
    SendStatistics,
    SmsPackage,
)
from django_tencent_sms.protocol.tc3 import catalog as tc3_catalog
from django_tencent_sms.protocol.tc3 import statistics as tc3_statistics
from django_tencent_sms.protocol.tc3.action import SignedRequest, parse_endpoint
from django_tencent_sms.protocol.tc3.by_number import (
    REPLIES_BY_NUMBER_ACTION,
    REPORTS_BY_NUMBER_ACTION,
    build_pull_by_number,
    parse_pull_by_number_response,
)
from django_tencent_sms.protocol.tc3.pull import (
    MAX_PULL,
    build_pull_reply_status,
    build_pull_send_status,
    parse_pull_reply_status_response,
    parse_pull_send_status_response,
)
from django_tencent_sms.protocol.tc3.send import (
    build_send_sms,
    build_send_sms_bulk,
    parse_send_sms_bulk_response,
    parse_send_sms_response,
)
from django_tencent_sms.protocol.tc3.voice import (
    build_send_code_voice,
    parse_send_code_voice_response,
)
from django_tencent_sms.voice_message import VoiceCodeMessage

__all__ = ["TencentCloudBackend"]


class TencentCloudBackend(HttpBackend):
    """Signs and posts API 3.0 ``SendSms`` requests over one pooled keep-alive session.

    The same contract, timeouts and connect retries as ``TencentBackend``, with API 3.0
    credentials: ``SECRET_ID``/``SECRET_KEY`` (a Tencent Cloud API key), ``SDK_APP_ID``,
    ``REGION`` and ``ENDPOINT``. Arguments default to the ``TENCENT_SMS`` settings.
    """

    url_setting = "ENDPOINT"

    @sensitive_variables("secret_key", "kwargs")
    def __init__(
        self,
        *,
        sdk_app_id: str | None = None,
        secret_id: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            credentials={
                "SDK_APP_ID": sdk_app_id,
                "SECRET_ID": secret_id,
                "SECRET_KEY": secret_key,
                "REGION": region,
            },
            **kwargs,
        )
        self.sdk_app_id = self.credential("SDK_APP_ID")
        self.secret_id = self.credential("SECRET_ID")
        self.region = self.credential("REGION")
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

    def _signed_post(self, build_request: Callable[..., SignedRequest]) -> requests.Response:
        """Post the request ``build_request`` makes, given the account and signed at the current
        time for every attempt, retries included."""

        @sensitive_variables()  # the secret key, and the body with the parameters
        def build() -> tuple[str, bytes, dict[str, str]]:
            request = build_request(
                sdk_app_id=self.sdk_app_id,
                secret_id=self.secret_id,
                secret_key=self.credential("SECRET_KEY"),
                region=self.region,
                endpoint=self.endpoint,
                now=int(time.time()),
            )
            return request.url, request.body, request.headers

        return self.post(build, target=self.endpoint.url)

    def send(self, message: SmsMessage) -> SendResult:
        response = self._signed_post(functools.partial(build_send_sms, message))
        return parse_send_sms_response(response.status_code, response.content)

    def send_bulk(self, message: BulkMessage) -> BulkResult:
        """One ``SendSms`` request for all of ``message``'s numbers (at most 200, all domestic
        or all international), with the session, timeouts and connect retries of ``send``.
        Per-number refusals come back in the result; a refusal of the whole request or a
        transport failure is raised, as by ``send``."""
        response = self._signed_post(functools.partial(build_send_sms_bulk, message))
        return parse_send_sms_bulk_response(response.status_code, response.content, message)

    can_send_voice_code = True

    def send_voice_code(self, message: VoiceCodeMessage) -> SendResult:
        """VMS ``SendCodeVoice`` (service ``vms``) at ``VOICE_ENDPOINT``, for the voice
        console's application ``VOICE_SDK_APP_ID``, with this backend's API key, region,
        timeouts and error mapping (see ``BaseBackend``)."""
        voice_app = sms_settings.require("VOICE_SDK_APP_ID")
        value = sms_settings.VOICE_ENDPOINT
        try:
            endpoint = parse_endpoint(value)
        except ValueError as exc:
            raise ConfigurationError(
                f"Invalid TENCENT_SMS['VOICE_ENDPOINT'] {value!r}: {exc}."
            ) from None

        @sensitive_variables()  # the secret key, and the body with the code
        def build() -> tuple[str, bytes, dict[str, str]]:
            request = build_send_code_voice(
                message,
                voice_sdk_app_id=voice_app,
                secret_id=self.secret_id,
                secret_key=self.credential("SECRET_KEY"),
                region=self.region,
                endpoint=endpoint,
                now=int(time.time()),
            )
            return request.url, request.body, request.headers

        response = self.post(build, target=endpoint.url)
        return parse_send_code_voice_response(response.status_code, response.content)

    can_pull = True

    def pull_reports(self, limit: int = MAX_PULL) -> PullBatch:
        """``PullSmsSendStatus``: up to ``limit`` delivery reports (see ``BaseBackend``)."""
        response = self._signed_post(functools.partial(build_pull_send_status, limit=limit))
        return parse_pull_send_status_response(response.status_code, response.content)

    def pull_replies(self, limit: int = MAX_PULL) -> PullBatch:
        """``PullSmsReplyStatus``: up to ``limit`` replies (see ``BaseBackend``)."""
        response = self._signed_post(functools.partial(build_pull_reply_status, limit=limit))
        return parse_pull_reply_status_response(response.status_code, response.content)

    can_lookup_number = True

    def number_reports(
        self, phone: str, begin: datetime, end: datetime, limit: int = MAX_PULL
    ) -> PullBatch:
        """``PullSmsSendStatusByPhoneNumber`` (see ``BaseBackend``)."""
        return self._pull_number(REPORTS_BY_NUMBER_ACTION, phone, begin, end, limit)

    def number_replies(
        self, phone: str, begin: datetime, end: datetime, limit: int = MAX_PULL
    ) -> PullBatch:
        """``PullSmsReplyStatusByPhoneNumber`` (see ``BaseBackend``)."""
        return self._pull_number(REPLIES_BY_NUMBER_ACTION, phone, begin, end, limit)

    def _pull_number(
        self, action: str, phone: str, begin: datetime, end: datetime, limit: int
    ) -> PullBatch:
        build = functools.partial(
            build_pull_by_number,
            action,
            phone=phone,
            begin=int(begin.timestamp()),
            end=int(end.timestamp()),
            limit=limit,
        )
        response = self._signed_post(build)
        return parse_pull_by_number_response(action, response.status_code, response.content)

    # -- Tencent's figures for the account ----------------------------------------------------

    can_fetch_statistics = True
    #: Pages of packages read at most (500 each).
    max_package_pages = 20
    #: Packages created from this hour on are listed (``SmsPackagesStatistics`` lists those
    #: created between ``BeginTime`` and ``EndTime``); API 3.0 SMS is younger.
    packages_since = "2016010100"

    def send_statistics(self, span: HourSpan) -> SendStatistics:
        """``SendStatusStatistics`` for ``span`` (see ``BaseBackend``)."""
        build = functools.partial(tc3_statistics.build_send_status_statistics, span)
        response = self._signed_post(build)
        return tc3_statistics.parse_send_status_statistics_response(
            response.status_code, response.content
        )

    def callback_statistics(self, span: HourSpan) -> CallbackStatistics:
        """``CallbackStatusStatistics`` for ``span`` (see ``BaseBackend``)."""
        build = functools.partial(tc3_statistics.build_callback_status_statistics, span)
        response = self._signed_post(build)
        return tc3_statistics.parse_callback_status_statistics_response(
            response.status_code, response.content
        )

    def sms_packages(self) -> tuple[SmsPackage, ...]:
        """``SmsPackagesStatistics`` for packages created since :attr:`packages_since` up to
        this hour, 500 a page (see ``BaseBackend``)."""
        now = datetime.now(timezone.utc)
        first = datetime.strptime(self.packages_since, HOUR_FORMAT).replace(tzinfo=CHINA_TIME)
        span = HourSpan(first, HourSpan.covering(now, now + timedelta(seconds=1)).first)
        packages: list[SmsPackage] = []
        limit = tc3_statistics.MAX_PACKAGE_PAGE
        for _page in range(self.max_package_pages):
            build = functools.partial(
                tc3_statistics.build_sms_packages_statistics, span, offset=len(packages)
            )
            response = self._signed_post(build)
            page = tc3_statistics.parse_sms_packages_statistics_response(
                response.status_code, response.content
            )
            packages += page
            if len(page) < limit:
                break
        return tuple(packages)

    can_list_catalog = True
    can_page_signs = True
    catalog_page_size = tc3_catalog.MAX_LIMIT
    catalog_scopes = (0, 1)

    def list_templates(
        self, *, offset: int = 0, limit: int | None = None, international: int = 0
    ) -> CatalogPage:
        """``DescribeSmsTemplateList``: one page of domestic (0) or international (1)
        templates (see ``BaseBackend``)."""
        size = limit or tc3_catalog.MAX_LIMIT
        build = functools.partial(
            tc3_catalog.build_describe_template_list,
            international=international,
            limit=size,
            offset=offset,
        )
        response = self._signed_post(build)
        return tc3_catalog.parse_describe_template_list_response(
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
        """``DescribeSmsSignList``: the signatures ``sign_ids``, or one page of them."""
        size = len(sign_ids) if sign_ids else (limit or tc3_catalog.MAX_LIMIT)
        build = functools.partial(
            tc3_catalog.build_describe_sign_list,
            international=international,
            sign_ids=list(sign_ids) if sign_ids else None,
            limit=size,
            offset=offset,
        )
        response = self._signed_post(build)
        return tc3_catalog.parse_describe_sign_list_response(
            response.status_code, response.content, limit=size
        )

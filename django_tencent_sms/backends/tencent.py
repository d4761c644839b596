"""The real backend for Tencent's legacy SMS API (``yun.tim.qq.com/v5/tlssmssvr``)."""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Callable
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables

from django_tencent_sms.backends.http import HttpBackend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.message import BulkMessage, BulkResult, SendResult, SmsMessage
from django_tencent_sms.protocol import v5, v5_catalog
from django_tencent_sms.protocol.catalog import CatalogPage
from django_tencent_sms.protocol.reports import PullBatch

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
        **kwargs: Any,
    ) -> None:
        super().__init__(credentials={"SDK_APP_ID": sdk_app_id, "APP_KEY": app_key}, **kwargs)
        self.sdk_app_id = self.credential("SDK_APP_ID")
        self.api_url = (api_url or sms_settings.API_URL).rstrip("/")

    def __repr__(self) -> str:
        return f"<TencentBackend sdk_app_id={self.sdk_app_id} api_url={self.api_url}>"

    def _signed_post(self, build_request: Callable[..., v5.HttpRequest]) -> requests.Response:
        """Post the request ``build_request`` makes, given the account and a fresh ``random``
        and the current time for every attempt, retries included."""

        @sensitive_variables()  # the app key, and the body with the parameters
        def build() -> tuple[str, bytes, None]:
            request = build_request(
                api_url=self.api_url,
                sdk_app_id=self.sdk_app_id,
                app_key=self.credential("APP_KEY"),
                random=new_random(),
                now=int(time.time()),
            )
            return request.url, request.body, None

        return self.post(build, target=self.api_url)

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

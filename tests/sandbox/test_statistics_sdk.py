"""Tencent's own API 3.0 SDK reads the emulator's statistics and packages, and the CLI's
``--package`` configures them."""

from __future__ import annotations

import argparse
from datetime import datetime

import pytest

from django_tencent_sms.protocol.reports import CHINA_TIME
from django_tencent_sms.sandbox.cli import add_arguments, sandbox_from_options
from tests.sandbox.helpers import sandbox_fixtures

pytest.importorskip("tencentcloud.sms.v20210111")
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

pytestmark = pytest.mark.filterwarnings(
    "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"
)

APP_ID = "1400006666"
SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"

clock, sandbox = sandbox_fixtures(
    now=None, sdk_app_id=APP_ID, secret_id=SECRET_ID, secret_key=SECRET_KEY
)


def client(sb):
    http = HttpProfile(endpoint=sb.cloud_endpoint.removeprefix("http://"), protocol="http")
    return sms_client.SmsClient(
        credential.Credential(SECRET_ID, SECRET_KEY),
        "ap-guangzhou",
        ClientProfile(httpProfile=http),
    )


def this_hour() -> str:
    return datetime.now(CHINA_TIME).strftime("%Y%m%d%H")


def test_the_sdk_reads_send_statistics(sandbox):
    request = models.SendStatusStatisticsRequest()
    request.BeginTime = request.EndTime = this_hour()
    request.SmsSdkAppId, request.Limit, request.Offset = APP_ID, 0, 0
    response = client(sandbox).SendStatusStatistics(request)
    figures = response.SendStatusStatistics
    assert (figures.RequestCount, figures.RequestSuccessCount, figures.FeeCount) == (0, 0, 0)


def test_the_sdk_reads_packages(sandbox):
    sandbox.add_package(1000, used=10, created_at=1700000000)
    request = models.SmsPackagesStatisticsRequest()
    request.BeginTime, request.EndTime = "2023010100", "2024010100"
    request.SmsSdkAppId, request.Limit, request.Offset = APP_ID, 10, 0
    (package,) = client(sandbox).SmsPackagesStatistics(request).SmsPackagesStatisticsSet
    assert (package.PackageAmount, package.CurrentUsage) == (1000, 10)
    assert package.PackageCreateTime == 1700000000


def test_cli_packages():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = parser.parse_args(["--package", "1000:250:30", "--package", "50"])
    sb, notes = sandbox_from_options(options, environ={})
    assert [(p.amount, p.used) for p in sb.packages] == [(1000, 250), (50, 0)]
    assert any(n.startswith("Packages: 1000 (250 used)") for n in notes)
    for bad in ("x", "1:2:3:4", "-5"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--package", bad])

"""A small site served by a real ASGI server (uvicorn) in a process of its own, for
``tests/test_asgi.py``: async views that await ``asend_sms``, ``asend_code`` and
``averify_code``, and one that calls ``send_sms`` on the event loop (which Django refuses).

    python -m tests.asgi_site --port 8001     # TENCENT_SMS and DATABASES from the environment

``ASGI_SITE_DATABASE`` (JSON, the ``default`` alias) and ``ASGI_SITE_TENCENT_SMS`` (JSON) come
from the test. A SQLite database is migrated first; the site's two templates are created, sync,
before the server's event loop starts.
"""

from __future__ import annotations

import argparse
import json
import os

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

NOTICE = {"name": "notice", "tpl_id": 2001, "text": "订单{1}已发货，单号{2}。"}
CODE = {
    "name": "login-code",
    "tpl_id": 1001,
    "text": "验证码{1}，{2}分钟内有效",
    "type": "verification",
}


@csrf_exempt
async def send(request: HttpRequest) -> JsonResponse:
    from django_tencent_sms import asend_sms

    log = await asend_sms(request.POST["phone"], "notice", request.POST.getlist("param"))
    return JsonResponse({"id": log.pk, "status": log.status, "sid": log.sid})


@csrf_exempt
async def send_sync(request: HttpRequest) -> JsonResponse:
    from django.core.exceptions import SynchronousOnlyOperation

    from django_tencent_sms import send_sms

    try:
        log = send_sms(request.POST["phone"], "notice", ["A1", "SF1"])
    except SynchronousOnlyOperation as exc:
        return JsonResponse({"error": type(exc).__name__}, status=500)
    return JsonResponse({"id": log.pk})


@csrf_exempt
async def request_code(request: HttpRequest) -> JsonResponse:
    from django_tencent_sms.exceptions import CodeRequestRefused
    from django_tencent_sms.otp import asend_code

    try:
        record = await asend_code(request.POST["phone"], "login", request=request)
    except CodeRequestRefused as exc:
        return JsonResponse({"refused": exc.code}, status=429)
    return JsonResponse({"state": record.state})


@csrf_exempt
async def verify(request: HttpRequest) -> JsonResponse:
    from django_tencent_sms.otp import averify_code

    ok = await averify_code(request.POST["phone"], request.POST["code"], request=request)
    return JsonResponse({"ok": ok})


async def rows(request: HttpRequest) -> JsonResponse:
    from django_tencent_sms.models import SmsLog, VerificationCode

    fields = ("id", "phone", "status", "sid", "params")
    logs = [
        {**row, "phone": str(row["phone"])}
        async for row in SmsLog.objects.order_by("pk").values(*fields)
    ]
    codes = [
        row async for row in VerificationCode.objects.order_by("pk").values("state", "code_hash")
    ]
    return JsonResponse({"logs": logs, "codes": codes})


urlpatterns = [
    path("send/", send),
    path("send-sync/", send_sync),
    path("code/", request_code),
    path("verify/", verify),
    path("rows/", rows),
]


def configure() -> None:
    from django.conf import settings

    from tests import settings as suite

    values = {name: getattr(suite, name) for name in dir(suite) if name.isupper()}
    values.update(
        DATABASES={"default": json.loads(os.environ["ASGI_SITE_DATABASE"])},
        TENCENT_SMS=json.loads(os.environ["ASGI_SITE_TENCENT_SMS"]),
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["127.0.0.1"],
    )
    settings.configure(**values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    configure()
    import django

    django.setup()
    import uvicorn
    from django.core.asgi import get_asgi_application
    from django.core.management import call_command
    from django.db import connection

    from django_tencent_sms.models import SmsTemplate

    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0, interactive=False)
    for template in (NOTICE, CODE):
        SmsTemplate.objects.update_or_create(name=template["name"], defaults=template)
    connection.close()
    uvicorn.run(get_asgi_application(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()

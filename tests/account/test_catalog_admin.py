"""The sync in the admin and on the command line, and the checks on what it read (W040, W041)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core import checks
from django.core.management import CommandError, call_command
from django.urls import reverse

from django_tencent_sms.models import SmsSign, SmsTemplate
from tests.helpers import staff

pytest_plugins = ["tests.account.catalog_fixtures"]
pytestmark = pytest.mark.django_db

CHANGELIST = "admin:tencent_sms_smstemplate_changelist"
SYNC = "admin:tencent_sms_smstemplate_sync"


def sync_command(*args):
    out, err = StringIO(), StringIO()
    call_command("tencent_sms_sync", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# Admin ---------------------------------------------------------------------------------------


def test_only_staff_with_the_permission_see_the_button_and_may_sync(client, catalog):
    catalog.add_template(19, "Code {1}")
    client.force_login(staff("viewer", "tencent_sms.view_smstemplate"))
    assert reverse(SYNC).encode() not in client.get(reverse(CHANGELIST)).content
    assert client.post(reverse(SYNC)).status_code == 403
    assert not SmsTemplate.objects.exists()
    client.force_login(
        staff("editor", "tencent_sms.view_smstemplate", "tencent_sms.sync_smstemplate")
    )
    page = client.get(reverse(CHANGELIST))
    assert reverse(SYNC).encode() in page.content and b"csrfmiddlewaretoken" in page.content
    assert client.get(reverse(SYNC)).status_code == 405
    response = client.post(reverse(SYNC))
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("19" in t and "created" in t for t in texts)
    assert any(t.startswith("Synced from Tencent") for t in texts)
    assert SmsTemplate.objects.filter(tpl_id=19).exists()


def test_the_sync_needs_the_csrf_token(catalog):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(
        staff("editor", "tencent_sms.view_smstemplate", "tencent_sms.sync_smstemplate")
    )
    assert client.post(reverse(SYNC)).status_code == 403


def test_an_api_error_is_a_message_not_a_500(admin_client, catalog):
    catalog.fail_next("result", result=1001)
    response = admin_client.post(reverse(SYNC), follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any("stopped" in t for t in texts)


def test_html_from_tencent_is_escaped_in_the_messages_and_the_signature_list(admin_client, catalog):
    catalog.add_template(19, "Code {1}")
    catalog.set_template_status(19, "rejected", reply="<script>x</script>", name="<b>n</b>")
    catalog.add_sign(3, "<i>签</i>", "rejected", reply="<script>y</script>")
    SmsSign.objects.create(sign_id=3, text="old")
    response = admin_client.post(reverse(SYNC), follow=True)
    assert b"<script>" not in response.content and b"<b>n</b>" not in response.content
    page = admin_client.get(reverse("admin:tencent_sms_smssign_changelist"))
    assert page.status_code == 200 and b"<i>" not in page.content
    assert admin_client.get(reverse("admin:tencent_sms_smssign_add")).status_code == 403


# Command -------------------------------------------------------------------------------------


def test_the_command_prints_what_changed(catalog):
    catalog.add_template(19, "Code {1}")
    catalog.set_template_status(19, "reviewing")
    out, _err = sync_command("--sign-id", "1")
    assert "template 19" in out and "created" in out and "[reviewing]" in out
    assert "2 created" in out  # the template and the default signature
    out, _err = sync_command("--sign-id", "1")
    assert out.splitlines() == ["0 created, 0 updated, 2 unchanged, 0 unreadable."]


def test_the_command_exits_non_zero_with_tencents_code(catalog):
    catalog.fail_next("result", result=1001)
    with pytest.raises(CommandError) as excinfo:
        sync_command()
    text = str(excinfo.value)
    assert ("1001" if catalog.kind == "v5" else "AuthFailure.SignatureFailure") in text


def test_the_command_refuses_a_bad_sign_id(catalog):
    with pytest.raises(CommandError):
        sync_command("--sign-id", "x1")


def test_the_command_says_what_a_backend_without_lists_cannot_do(settings):
    settings.TENCENT_SMS = {"BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend"}
    with pytest.raises(CommandError, match="cannot read"):
        sync_command()


# Checks --------------------------------------------------------------------------------------


def run_checks():
    return [
        m
        for m in checks.run_checks(databases=["default"])
        if m.id in {"tencent_sms.W040", "tencent_sms.W041"}
    ]


def test_w040_active_templates_not_approved(settings):
    SmsTemplate.objects.create(name="ok", tpl_id=1, text="x", status="approved")
    SmsTemplate.objects.create(name="never", tpl_id=2, text="x")
    SmsTemplate.objects.create(name="off", tpl_id=3, text="x", status="rejected", is_active=False)
    assert run_checks() == []
    SmsTemplate.objects.create(name="bad", tpl_id=4, text="x", status="rejected")
    [warning] = run_checks()
    assert warning.id == "tencent_sms.W040" and "bad (rejected)" in warning.msg
    # Without a database to look at (plain ``manage.py check``), Django runs no database check.
    assert all(m.id != "tencent_sms.W040" for m in checks.run_checks())


def test_w041_a_signature_tencent_lists_as_not_usable(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "SIGN": "腾讯云"}
    assert run_checks() == []  # not listed: nothing known
    SmsSign.objects.create(sign_id=1, text="腾讯云", status="reviewing")
    [warning] = run_checks()
    assert warning.id == "tencent_sms.W041" and "'腾讯云'" in warning.msg
    SmsSign.objects.create(sign_id=2, text="腾讯云", international=1, status="approved")
    assert run_checks() == []


def test_the_admin_test_send_shows_the_refusal(admin_client, sandbox):
    from django_tencent_sms.models import SmsLog

    template = SmsTemplate.objects.create(name="shipped", tpl_id=7, text="Order {1} shipped")
    SmsTemplate.objects.filter(pk=template.pk).update(status="rejected", review_reply="措辞")
    url = reverse("admin:tencent_sms_smstemplate_send_test", args=[template.pk])
    response = admin_client.post(url, {"phone": "+8613711112222", "param_1": "A1"})
    assert response.status_code == 200
    assert "措辞" in response.content.decode() and "Rejected" in response.content.decode()
    assert not SmsLog.objects.exists() and sandbox.requests == []

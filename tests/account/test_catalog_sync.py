"""``sync_catalog`` against the emulator, on both APIs: what it creates, updates and reports,
paging through every page, and an API error that stops it with what was applied kept."""

from __future__ import annotations

import pytest

from django_tencent_sms.account.catalog import sync_catalog
from django_tencent_sms.account.catalog_report import CatalogSyncFailed
from django_tencent_sms.exceptions import TencentSmsError
from django_tencent_sms.models import SmsSign, SmsTemplate

pytest_plugins = ["tests.account.catalog_fixtures"]
pytestmark = pytest.mark.django_db


def list_requests(sandbox):
    names = {"get_template", "DescribeSmsTemplateList"}
    return [r for r in sandbox.requests if r.endpoint in names]


def test_new_templates_become_rows_with_tencents_text_status_and_reply(catalog):
    catalog.add_template(19, "您的验证码为{1}")
    catalog.set_template_status(19, "approved", name="Login code")
    catalog.add_template(20, "Order {1} shipped")
    catalog.set_template_status(20, "rejected", reply="请补充<b>签名</b>", name="Shipping")
    report = sync_catalog(sign_ids=[1])  # the legacy API lists signatures by ID only
    login = SmsTemplate.objects.get(tpl_id=19)
    shipping = SmsTemplate.objects.get(tpl_id=20)
    assert (login.text, login.status, login.synced_at is not None) == (
        "您的验证码为{1}",
        "approved",
        True,
    )
    assert login.type == SmsTemplate.Type.VERIFICATION  # its parameters are never stored
    assert (shipping.status, shipping.review_reply) == ("rejected", "请补充<b>签名</b>")
    assert shipping.type == SmsTemplate.Type.NOTIFICATION
    if catalog.kind == "cloud":  # the legacy list carries no name
        assert (login.name, shipping.name) == ("login-code", "shipping")
    created = {(c.kind, c.tencent_id) for c in report.created}
    assert {("template", 19), ("template", 20), ("sign", 1)} <= created
    assert SmsSign.objects.get(sign_id=1).text == "腾讯云"


def test_known_rows_are_updated_never_renamed_and_unchanged_ones_said_so(catalog):
    row = SmsTemplate.objects.create(name="my-name", tpl_id=19, text="old {1}")
    catalog.add_template(19, "new {1}")
    catalog.set_template_status(19, "reviewing", name="Other name")
    report = sync_catalog()
    row.refresh_from_db()
    assert (row.name, row.text, row.status) == ("my-name", "new {1}", "reviewing")
    [change] = [c for c in report.changes if c.kind == "template"]
    assert change.action == "updated" and set(change.fields) == {"text", "status", "international"}
    again = sync_catalog()
    assert [c.action for c in again.changes if c.kind == "template"] == ["unchanged"]


def test_a_name_taken_by_another_template_gets_a_suffix(catalog):
    SmsTemplate.objects.create(name="shipping", tpl_id=5, text="x")
    catalog.add_template(5, "x")
    for tpl_id in (20, 21):
        catalog.add_template(tpl_id, "Order {1} shipped")
        catalog.set_template_status(tpl_id, "approved", name="Shipping")
    sync_catalog()
    names = set(SmsTemplate.objects.filter(tpl_id__in=[20, 21]).values_list("name", flat=True))
    if catalog.kind == "cloud":
        assert names == {"shipping-20", "shipping-21"}
    else:
        assert names == {"template", "template-21"}


def test_every_page_is_read(catalog):
    for tpl_id in range(1, 231):
        catalog.add_template(tpl_id, f"Text {tpl_id} {{1}}")
    report = sync_catalog()
    assert SmsTemplate.objects.count() == 230
    assert len(report.of("created", "template")) == 230
    pages = list_requests(catalog)
    if catalog.kind == "v5":
        assert len(pages) == 5  # 50 per page: 50 × 4 + 30
        assert max(p.json["tpl_page"]["max"] for p in pages) == 50
    else:
        assert len(pages) == 4  # 100 per page: 3 domestic, then 1 (empty) international
        assert {p.json["Limit"] for p in pages} == {100}


def test_international_templates_are_listed_too(catalog):
    catalog.add_template(30, "Your code {1}")
    catalog.set_template_status(30, "approved", international=1, name="Intl")
    catalog.add_template(31, "Both {1}")
    catalog.set_template_status(31, "approved", international=3, name="Both")
    report = sync_catalog()
    assert SmsTemplate.objects.get(tpl_id=30).international == 1
    assert len(report.of("created", "template")) == 2  # listed in both scopes, created once


def test_an_api_error_stops_the_sync_keeping_what_was_applied(catalog, monkeypatch):
    for tpl_id in range(1, 121):
        catalog.add_template(tpl_id, f"Text {tpl_id}")
    page = 50 if catalog.kind == "v5" else 100
    arrive, calls = catalog.state.arrive, []

    def second_refused(endpoint, request, data):
        # The first page goes through; Tencent refuses the second.
        calls.append(endpoint)
        if len(calls) == 2:
            catalog.fail_next("result", result=1001)
        return arrive(endpoint, request, data)

    monkeypatch.setattr(catalog.state, "arrive", second_refused)
    with pytest.raises(CatalogSyncFailed) as excinfo:
        sync_catalog()
    error = excinfo.value.error
    assert isinstance(error, TencentSmsError)
    if catalog.kind == "v5":
        assert error.result == 1001
    else:
        assert error.code == "AuthFailure.SignatureFailure"
    assert SmsTemplate.objects.count() == page
    assert len(excinfo.value.report.created) == page
    assert excinfo.value.report.of("not_listed") == []  # an incomplete list proves nothing


def test_templates_tencent_no_longer_lists_are_reported_and_left_alone(catalog):
    SmsTemplate.objects.create(name="gone", tpl_id=99, text="x", status="approved")
    report = sync_catalog()
    [change] = report.of("not_listed")
    assert change.label == "gone"
    assert SmsTemplate.objects.get(tpl_id=99).status == "approved"


def test_signatures_with_their_status(catalog):
    catalog.add_sign(2, "新签名", "rejected", reply="资质不符")
    SmsSign.objects.create(sign_id=2, text="新签名")  # the legacy API needs the ID known
    sync_catalog()
    sign = SmsSign.objects.get(sign_id=2)
    assert (sign.status, sign.review_reply) == ("rejected", "资质不符")


def test_the_legacy_api_says_when_it_knows_no_signature_id(catalog):
    report = sync_catalog()
    if catalog.kind == "v5":
        assert not SmsSign.objects.exists()
        assert any("--sign-id" in note for note in report.notes)
        sync_catalog(sign_ids=[1])
        assert SmsSign.objects.get(sign_id=1).text == "腾讯云"
    else:  # API 3.0 pages through every signature
        assert report.notes == []
        assert SmsSign.objects.get(sign_id=1).status == "approved"


@pytest.mark.parametrize("catalog", ["cloud"], indirect=True)
def test_an_account_that_cannot_page_signatures_falls_back_to_known_ids(catalog):
    from django_tencent_sms.backends.tencentcloud import TencentCloudBackend

    class OlderApi(TencentCloudBackend):
        """DescribeSmsSignList as Tencent's page documents it: SignIdSet required."""

        def list_signs(self, *, sign_ids=None, **kwargs):
            if not sign_ids:
                raise TencentSmsError.for_cloud_code("MissingParameter", "SignIdSet")
            return super().list_signs(sign_ids=sign_ids, **kwargs)

    catalog.add_sign(4, "另一个", "reviewing")
    report = sync_catalog(OlderApi(), sign_ids=[4])
    assert SmsSign.objects.get(sign_id=4).status == "reviewing"
    assert not SmsSign.objects.filter(sign_id=1).exists()  # its ID was not known
    assert any("MissingParameter" in note for note in report.notes)


@pytest.mark.parametrize(
    ("kind", "options"),
    [("not_json", {}), ("http_error", {"status": 502}), ("huge", {"size": 50_000_000})],
)
def test_garbage_from_tencent_stops_the_sync_with_a_clear_error(catalog, kind, options):
    catalog.add_template(19, "Code {1}")
    catalog.fail_next(kind, **options)
    with pytest.raises(CatalogSyncFailed) as excinfo:
        sync_catalog()
    assert "listing templates" in str(excinfo.value)
    assert not SmsTemplate.objects.exists()


def test_an_unreadable_item_is_reported_and_the_others_applied(catalog):
    from io import StringIO

    from django.core.management import CommandError, call_command

    catalog.add_template(19, "Code {1}")
    catalog.add_template(20, "bad\x00text {1}")
    catalog.add_template(21, "x" * 5000)
    report = sync_catalog()
    assert list(SmsTemplate.objects.values_list("tpl_id", flat=True)) == [19]
    assert len(report.rejected) == 2 and not report.complete
    assert any("control characters" in text for text in report.rejected)
    err = StringIO()
    with pytest.raises(CommandError, match="could not be read"):
        call_command("tencent_sms_sync", "--sign-id", "1", stdout=StringIO(), stderr=err)
    assert "unreadable: template item" in err.getvalue()


def test_a_list_that_never_ends_stops_with_an_error():
    from django_tencent_sms.backends.base import BaseBackend
    from django_tencent_sms.protocol.catalog import CatalogPage, TemplateInfo

    class Endless(BaseBackend):
        """Answers every page full, with the same items (a broken or hostile server)."""

        can_list_catalog = True
        catalog_page_size = 2
        calls = 0

        def list_templates(self, *, offset=0, limit=None, international=0):
            Endless.calls += 1
            items = (TemplateInfo(1, "a", "x", "approved"), TemplateInfo(2, "b", "y", "approved"))
            return CatalogPage(items)

    with pytest.raises(CatalogSyncFailed, match="does not end"):
        sync_catalog(Endless())
    assert Endless.calls == 100
    assert SmsTemplate.objects.count() == 2  # each applied once


def test_unreadable_templates_are_not_reported_as_gone(catalog):
    SmsTemplate.objects.create(name="kept", tpl_id=20, text="x")
    catalog.add_template(20, "bad\x00")
    report = sync_catalog()
    assert report.of("not_listed") == []
    assert len(report.rejected) == 1

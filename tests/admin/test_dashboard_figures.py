"""The dashboard's "Tencent's figures" section, through the real admin, on both backends."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from pytest_django.asserts import assertContains, assertNotContains

from django_tencent_sms import send_sms
from django_tencent_sms.models import SmsLog, SmsTemplate

URL = "/admin/tencent_sms/smslog/dashboard/"
FETCH = {"tencent": "fetch"}
PHONES = [f"+86137111122{i:02d}" for i in range(5)]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sandbox(sandbox, db):
    SmsTemplate.objects.create(name="note", tpl_id=7, text="Order {1} shipped")
    return sandbox


def statistics_requests(sandbox) -> int:
    names = {
        "pullsendstatus",
        "pullcallbackstatus",
        "getsmspackages",
        "SendStatusStatistics",
        "CallbackStatusStatistics",
        "SmsPackagesStatistics",
    }
    return sum(1 for r in sandbox.requests if r.endpoint in names)


def test_nothing_is_asked_of_tencent_until_the_button(sandbox, admin_client):
    send_sms(PHONES[0], "note", ["A1"])
    response = admin_client.get(URL)
    assertContains(response, "Fetch from Tencent")
    assertContains(response, "Not fetched yet for this period")
    assert statistics_requests(sandbox) == 0


def test_fetched_figures_stand_beside_the_log_and_are_cached(sandbox, admin_client):
    sandbox.set_packages([{"amount": 1000, "used": 100, "days": 30}])
    for phone in PHONES[:3]:
        send_sms(phone, "note", ["A1"])
    SmsLog.objects.filter(phone=PHONES[0]).delete()  # the log lost one
    response = admin_client.get(URL, FETCH)
    assert response.status_code == 200
    lines = {line.key: line for line in response.context["tencent_comparison"].lines}
    assert (lines["accepted"].tencent, lines["accepted"].log) == (3, 2)
    assert lines["accepted"].differs and lines["billed"].differs
    assertContains(response, 'data-figure="accepted" class="tsms-differs"')
    assertContains(response, "figures and the log disagree.")
    assertContains(response, "897 units left in unexpired packages.")  # 1000 - 100 - 3 sent
    asked = statistics_requests(sandbox)
    assert asked == 3  # send and report figures of one span, then the packages
    again = admin_client.get(URL)  # a later view: from the cache
    assert again.context["tencent_comparison"] is not None
    assertContains(again, "897 units left")
    assert statistics_requests(sandbox) == asked


def test_agreeing_figures_are_not_marked(sandbox, admin_client):
    send_sms(PHONES[0], "note", ["A1"])
    SmsLog.objects.update(status=SmsLog.Status.DELIVERED)  # as if the report was applied
    response = admin_client.get(URL, FETCH)
    assert not response.context["tencent_comparison"].disagrees
    assertNotContains(response, "tsms-differs")


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ({"kind": "slow", "delay": 8}, "slow"),
        ({"kind": "http_error", "status": 503}, "unreachable"),
        ({"kind": "not_json"}, "invalid"),
        ({"kind": "result", "result": 1001}, "refused"),
    ],
)
def test_a_failing_tencent_is_a_notice_not_an_error(sandbox, admin_client, fault, kind):
    sandbox.fail_next(**fault)
    response = admin_client.get(URL, FETCH)
    assert response.status_code == 200
    assert response.context["tencent_problem"].kind == kind
    assertContains(response, f'data-kind="{kind}"')
    assertContains(response, "Messages per day")  # the rest of the page is there
    assert response.context["tencent_comparison"] is None


def test_a_slow_tencent_does_not_hold_the_page(sandbox, admin_client):
    import time

    sandbox.fail_next("slow", count=3, delay=20)
    began = time.monotonic()
    response = admin_client.get(URL, FETCH)
    assert response.status_code == 200
    # One request of at most 5 s (2 to connect, 3 to read), not retried, and the balance is
    # not asked for after it.
    assert time.monotonic() - began < 8
    assert statistics_requests(sandbox) == 1
    assert response.context["tencent_balance_problem"].kind == "slow"


@pytest.mark.parametrize(
    "backend",
    [
        "django_tencent_sms.backends.locmem.LocmemBackend",
        "django_tencent_sms.backends.console.ConsoleBackend",
        "django_tencent_sms.backends.dummy.DummyBackend",
    ],
)
def test_backends_without_figures_get_a_notice(db, admin_client, settings, backend):
    settings.TENCENT_SMS = {"BACKEND": backend}
    response = admin_client.get(URL, FETCH)
    assert response.status_code == 200
    assert response.context["tencent_problem"].kind == "unsupported"
    assertContains(response, "cannot fetch figures from Tencent")


@pytest.mark.parametrize(
    "params",
    [
        {"tencent": "<script>alert(1)</script>"},
        {"tencent": ["fetch", "x"]},
        {"tencent": "fetch", "start": "9999-12-31", "end": "0001-01-01"},
        {"tencent": "fetch", "start": "2024-13-45"},
        {"tencent": "fetch", "start": "0001-01-01", "end": "0001-01-02"},
        {"tencent": "fetch\x00", "end": "'; DROP TABLE x; --"},
    ],
)
def test_hostile_query_strings_never_break_the_page(sandbox, admin_client, params):
    response = admin_client.get(URL, params)
    assert response.status_code == 200
    assertNotContains(response, "<script>alert(1)</script>")


def test_a_low_balance_is_marked(sandbox, admin_client, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "LOW_BALANCE": 500}
    sandbox.set_packages([{"amount": 1000, "used": 600, "days": 30}])
    response = admin_client.get(URL, FETCH)
    assertContains(response, "400 units left in unexpired packages.")
    assertContains(response, "Below the low-balance threshold of 500.")

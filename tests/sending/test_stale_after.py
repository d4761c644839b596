"""``TENCENT_SMS["STALE_AFTER"]``: ``manage.py check`` reports what cannot work (E028, E029), and
with the checks silenced nothing that reads it crashes: the recover command refuses in one line,
the workers' runs log it, and the admin falls back to the default."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from django_tencent_sms.checks import check_settings
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.recover import MAX_STALE_AFTER, NowAndThen, stale_after_problem
from tests.helpers import staff

GOOD = {
    "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
    "SDK_APP_ID": "1400006666",
    "APP_KEY": "abcdef0123456789",
}
Status = SmsLog.Status


class Loud:
    """A value whose repr raises, as a hostile object's may."""

    def __repr__(self):
        raise RuntimeError("no repr")


#: Values STALE_AFTER must never be taken as.
BAD = [
    None,
    True,
    False,
    0,
    -1,
    -600,
    MAX_STALE_AFTER + 1,
    10**30,
    10**5000,  # its repr raises ValueError (too many digits)
    600.0,
    1.5,
    float("nan"),
    float("inf"),
    float("-inf"),
    "600",
    "",
    " ",
    "soon",
    b"600",
    [600],
    (600,),
    {"seconds": 600},
    timedelta(minutes=10),
    Loud(),
    object,
]


def messages(**tencent_sms):
    with override_settings(TENCENT_SMS={**GOOD, **tencent_sms}):
        return [(m.id, m.msg) for m in check_settings()]


@pytest.mark.parametrize("value", BAD, ids=lambda v: type(v).__name__)
def test_a_value_that_is_no_usable_number_of_seconds_is_e028(value):
    (found,) = messages(STALE_AFTER=value)
    assert found[0] == "tencent_sms.E028"
    assert "STALE_AFTER" in found[1] and "whole number of seconds" in found[1]
    assert len(found[1]) < 300


@pytest.mark.parametrize("value", [39, 599, 600, 3600, MAX_STALE_AFTER])
def test_a_usable_value_passes_with_the_default_timeout(value):
    assert messages(STALE_AFTER=value) == []


@pytest.mark.parametrize(
    ("timeout", "retries", "longest"),
    [
        ((3.05, 10.0), 2, 38.3),  # the defaults: 2 × (2 × 3.05 + 13.05)
        (10, 0, 20),
        ((30, 30), 5, 420),
    ],
)
def test_a_value_not_longer_than_the_longest_send_is_e029(timeout, retries, longest):
    transport = {"TIMEOUT": timeout, "CONNECT_RETRIES": retries}
    (found,) = messages(STALE_AFTER=int(longest), **transport)
    assert found[0] == "tencent_sms.E029"
    assert f"({int(longest)} s)" in found[1] and f"({longest:g} s)" in found[1]
    assert messages(STALE_AFTER=int(longest) + 1, **transport) == []


def test_e029_waits_for_a_timeout_and_retries_that_work():
    ids = {id for id, _msg in messages(STALE_AFTER=5, TIMEOUT="slow")}
    assert ids == {"tencent_sms.E008"}
    ids = {id for id, _msg in messages(STALE_AFTER=5, CONNECT_RETRIES=-1)}
    assert ids == {"tencent_sms.E010"}


def test_the_problem_is_said_without_raising_whatever_the_value():
    for value in BAD:
        assert "STALE_AFTER" in stale_after_problem(value)
    assert stale_after_problem(600) is None


# -- With the checks silenced -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD, ids=lambda v: type(v).__name__)
def test_the_recover_command_refuses_in_one_line_and_changes_nothing(settings, value):
    stuck = SmsLog.objects.create(
        phone="+8613711112222",
        tpl_id=7,
        status=Status.SENDING,
        created_at=timezone.now() - timedelta(days=30),
    )
    settings.TENCENT_SMS = {**GOOD, "STALE_AFTER": value}
    with pytest.raises(CommandError, match=r"STALE_AFTER.*whole number of seconds"):
        call_command("tencent_sms_recover", stdout=StringIO())
    with pytest.raises(CommandError, match=r"STALE_AFTER"):
        call_command("tencent_sms_recover", "--dry-run", stdout=StringIO())
    stuck.refresh_from_db()
    assert stuck.status == Status.SENDING


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["99999999999999", str(10**30)])
def test_a_huge_cut_off_is_refused_not_a_crash(value):
    with pytest.raises(CommandError, match="cut-off"):
        call_command("tencent_sms_recover", "--older-than", value, stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", [10**30, float("nan"), Loud(), "soon"], ids=["huge", "nan", "loud", "text"]
)
def test_the_workers_runs_log_the_problem_and_carry_on(settings, caplog, value):
    settings.TENCENT_SMS = {**GOOD, "STALE_AFTER": value}
    runs = NowAndThen(lambda: 1000.0)
    assert runs(requeue=lambda pk: True, requeue_batch=lambda ids: True) is None
    (record,) = [r for r in caplog.records if r.name == "django_tencent_sms"]
    assert record.levelname == "ERROR" and record.exc_info is None
    assert "Recovering stuck SMS rows failed: TENCENT_SMS['STALE_AFTER']" in record.getMessage()
    assert runs.next_run == 1600.0  # tried again after the default, not in a loop


@pytest.mark.django_db
@pytest.mark.parametrize("value", [10**30, MAX_STALE_AFTER + 1, float("inf"), -1, Loud()])
def test_the_admin_shows_the_log_with_the_default(client, settings, value):
    SmsLog.objects.create(
        phone="+8613711112222",
        tpl_id=7,
        status=Status.SENDING,
        created_at=timezone.now() - timedelta(seconds=700),
    )
    client.force_login(staff("viewer", "tencent_sms.view_smslog"))
    settings.TENCENT_SMS = {**GOOD, "STALE_AFTER": value}
    changelist = reverse("admin:tencent_sms_smslog_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert '<span class="tencent-sms-stuck"' in page.content.decode()  # 700 s > 600
    found = client.get(changelist, {"stuck": "1"})
    assert found.status_code == 200 and len(found.context["cl"].result_list) == 1

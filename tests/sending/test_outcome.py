"""outcome.Outcome: one mapping from a backend's answer or exception to the log's fields."""

import copy
import pickle

import pytest

from django_tencent_sms.exceptions import (
    ConfigurationError,
    ConnectError,
    HTTPStatusError,
    ResponseTimeout,
    TencentInputError,
    TencentRateLimitError,
    TencentSmsError,
    TencentUnknownOutcomeError,
)
from django_tencent_sms.message import RecipientResult, SendResult
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.outcome import Outcome, describe, not_sent_errmsg

Status = SmsLog.Status


def test_an_accepted_message_is_sent_with_its_sid_fee_and_request_id():
    result = SendResult(sid="2019:1", fee=2, errmsg="OK", request_id="req-1")
    assert Outcome.accepted(result) == Outcome(Status.SENT, 0, "OK", "2019:1", 2, "req-1")


@pytest.mark.parametrize(
    ("exc", "status", "result", "errmsg"),
    [
        (ConfigurationError("API_URL is not a URL"), Status.FAILED, None, "API_URL is not a URL"),
        (ConnectError("refused"), Status.FAILED, None, "refused"),  # provably not sent
        (ResponseTimeout("no answer"), Status.UNKNOWN, None, "no answer"),
        (KeyboardInterrupt(), Status.UNKNOWN, None, "Interrupted by KeyboardInterrupt"),
        (RuntimeError("a bug"), Status.UNKNOWN, None, "Interrupted by RuntimeError"),
    ],
)
def test_what_sending_raised_decides_failed_or_unknown(exc, status, result, errmsg):
    outcome = Outcome.raised(exc)
    assert (outcome.status, outcome.result, outcome.errmsg) == (status, result, errmsg)
    assert outcome.error is exc and outcome.sid == "" and outcome.fee is None


def test_a_tencent_refusal_keeps_its_code_its_meaning_and_its_request_id():
    refused = TencentRateLimitError(1023, "", request_id="req-9")
    outcome = Outcome.raised(refused)
    assert (outcome.status, outcome.result, outcome.request_id) == (Status.FAILED, 1023, "req-9")
    assert outcome.errmsg == refused.meaning
    assert Outcome.raised(TencentInputError(1014, "bad template")).errmsg == "bad template"


def test_a_failure_inside_tencent_keeps_its_code_but_is_unknown():
    timed_out = TencentSmsError.for_cloud_code("InternalError.SendAndRecvFail", request_id="r")
    outcome = Outcome.raised(timed_out)
    assert (outcome.status, outcome.request_id) == (Status.UNKNOWN, "r")
    assert outcome.errmsg == "InternalError.SendAndRecvFail" and outcome.failure() is timed_out
    legacy = Outcome.of_recipient(RecipientResult(1008, "timeout"), "req")
    assert (legacy.status, legacy.result, legacy.errmsg) == (Status.UNKNOWN, 1008, "timeout")
    assert isinstance(legacy.failure(), TencentUnknownOutcomeError)


def test_each_recipient_of_a_bulk_answer_gets_its_own_outcome_and_the_requests_id():
    accepted = Outcome.of_recipient(RecipientResult(0, "", sid="s1", fee=1), "req")
    assert accepted == Outcome(Status.SENT, 0, "OK", "s1", 1, "req")

    refused = Outcome.of_recipient(RecipientResult(1023), "req")
    assert (refused.status, refused.result, refused.request_id) == (Status.FAILED, 1023, "req")
    assert refused.errmsg and refused.error is None

    lost = ResponseTimeout("no answer for this one")
    unknown = Outcome.of_recipient(RecipientResult(None, str(lost), error=lost), "req")
    assert (unknown.status, unknown.error, unknown.request_id) == (Status.UNKNOWN, lost, "req")

    never = Outcome.of_recipient(RecipientResult(None), "req")
    assert (never.status, never.errmsg) == (Status.FAILED, "Not sent")


def test_the_exception_a_failure_is_signalled_with():
    assert Outcome.accepted(SendResult(sid="s", fee=1)).failure() is None
    lost = ResponseTimeout("no answer")
    assert Outcome.raised(lost).failure() is lost
    assert Outcome.raised(KeyboardInterrupt()).failure() is None  # not an SmsError
    from_code = Outcome.of_recipient(RecipientResult(1023, "limit"), "").failure("ext-1")
    assert isinstance(from_code, TencentSmsError) and from_code.result == 1023
    assert from_code.ext == "ext-1"
    assert Outcome.of_recipient(RecipientResult(None), "").failure() is None


def test_outcomes_do_not_show_the_exception_in_their_repr():
    outcome = Outcome.raised(ResponseTimeout("no answer"))
    assert "error" not in repr(outcome)


def test_a_number_not_sent_says_what_stopped_the_send():
    exc = ConnectError("refused")
    assert describe(exc) == "ConnectError: refused"
    assert not_sent_errmsg(exc) == (
        "Not sent: the bulk send stopped before this number's turn (ConnectError: refused)."
    )


@pytest.mark.parametrize(("status", "outcome"), [(503, Status.UNKNOWN), (400, Status.FAILED)])
@pytest.mark.parametrize("duplicate", [copy.copy, lambda exc: pickle.loads(pickle.dumps(exc))])
def test_an_http_status_error_survives_copying_and_pickling(status, outcome, duplicate):
    # A copy (a task result, a log handler in another process) keeps the status the
    # failed-or-unknown decision rests on, as it did when that decision was a property.
    again = duplicate(HTTPStatusError(status, "body"))
    assert (again.status, again.body) == (status, "body")
    assert str(again) == f"HTTP {status} from the SMS API"
    assert Outcome.raised(again).status == outcome

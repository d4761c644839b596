"""What the sandbox remembers (``state.py``), without a server: requests and their faults,
sends and their messages and reports, and starting over.

No Django needed; the clock is faked.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from django_tencent_sms.sandbox import FrequencyLimits, SandboxMessage
from django_tencent_sms.sandbox.faults import Fault
from django_tencent_sms.sandbox.rules import NOT_JSON
from django_tencent_sms.sandbox.server import HttpRequest
from django_tencent_sms.sandbox.state import SandboxState
from tests.sandbox.helpers import FakeClock

NOW = 1_700_000_000
NUMBER = ("86", "13711112222")


def request(body: bytes = b"{}", connection: int = 1) -> HttpRequest:
    return HttpRequest("POST", "/v5/tlssmssvr/sendsms", {"random": "1"}, {}, body, connection)


def message(sid: str) -> SandboxMessage:
    return SandboxMessage(sid=sid, nationcode=NUMBER[0], mobile=NUMBER[1], tpl_id=7)


@dataclass(frozen=True)
class Outcome:
    messages: tuple[SandboxMessage, ...]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def state(clock) -> SandboxState:
    return SandboxState(clock=clock, templates={7: "Order {1} shipped"})


def test_arrivals_are_recorded_as_copies_with_the_clock_and_draw_faults_in_order(state, clock):
    state.add_faults(Fault("drop"), count=2)
    state.add_faults(Fault("slow", delay=0))
    kinds = []
    for serial in range(1, 5):
        clock.advance(1)
        arrival = state.arrive("sendsms", request(connection=serial), {"tel": {}})
        kinds.append(arrival.fault_kind)
    assert kinds == ["drop", "drop", "slow", None]
    recorded = state.requests
    assert [r.received_at for r in recorded] == [NOW + 1, NOW + 2, NOW + 3, NOW + 4]
    assert [r.fault for r in recorded] == kinds and recorded[0].json == {"tel": {}}
    recorded[0].json["tel"]["x"] = 1  # a copy: the state keeps its own
    assert state.requests[0].json == {"tel": {}}


def test_a_body_that_is_not_json_is_recorded_without_json(state):
    state.arrive("sendsms", request(b"junk"), NOT_JSON)
    (record,) = state.requests
    assert record.json is None and record.body == b"junk" and record.result is None


def test_answered_notes_the_result_and_the_code(state):
    arrival = state.arrive("SendSms", request(), {})
    state.answered(arrival.record, 1016, "InvalidParameterValue.IncorrectPhoneNumber")
    (record,) = state.requests
    assert (record.result, record.code) == (1016, "InvalidParameterValue.IncorrectPhoneNumber")


def test_a_send_sees_the_time_counts_and_limits_and_its_messages_are_kept(state, clock):
    state.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    seen = []

    def check(now, frequency, limits):
        seen.append((now, frequency.refusal(NUMBER, now, limits)))
        frequency.record(NUMBER, now)
        return Outcome((message(f"sid-{len(seen)}"),))

    assert state.send(check).messages[0].sid == "sid-1"
    clock.advance(10)
    state.send(check)
    assert seen == [(NOW, None), (NOW + 10, 1023)]  # the counts are the state's, kept
    assert [m.sid for m in state.messages] == ["sid-1", "sid-2"]
    assert [r.sid for r in state.reports.pending_reports] == ["sid-1", "sid-2"]


def test_reset_forgets_everything_remembered_but_keeps_the_settings(state):
    state.limits = FrequencyLimits()
    state.add_faults(Fault("drop"))
    state.arrive("sendsms", request(), {})
    state.send(lambda now, frequency, limits: Outcome((message("sid-1"),)))
    state.reports.configure(delay=5)
    state.reset()
    assert state.requests == [] and state.messages == []
    assert state.reports.pending_reports == [] and state.reports.delay == 5
    assert state.arrive("sendsms", request(), {}).fault is None
    assert state.limits == FrequencyLimits()


def test_reset_ends_the_wait_of_a_slow_fault(state):
    state.add_faults(Fault("slow", delay=60))
    arrival = state.arrive("sendsms", request(), {})
    waited = threading.Thread(target=arrival.wait_if_slow)
    waited.start()
    state.reset()
    waited.join(timeout=5)
    assert not waited.is_alive()


def test_limits_must_be_frequency_limits(state):
    with pytest.raises(TypeError):
        state.limits = {"per_30s": 1}
    state.limits = None
    assert state.limits is None


def test_connections_are_numbered_from_one(state):
    assert [state.connection_opened() for _ in range(3)] == [1, 2, 3]
    assert state.connections == 3

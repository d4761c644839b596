"""Bursts: parallel connections are answered by a bounded pool of workers, none refused or
broken (``listener.py``, ``workers.py``), over real sockets.

No Django needed.
"""

from __future__ import annotations

import threading

import pytest
import requests

from django_tencent_sms.sandbox import Sandbox
from django_tencent_sms.sandbox.workers import WorkerPool
from tests.sandbox.helpers import APP_ID, SEED_KEY, TEMPLATES, make_body, sandbox_fixtures, send
from tests.waiting import wait_until

clock, sandbox = sandbox_fixtures(now=1457336869, sdk_app_id=APP_ID, app_key=SEED_KEY)

BURST = 30


class Gate:
    """A template source that holds every request until opened, counting those it holds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.inside = self.peak = 0
        self.opened = threading.Event()

    def __call__(self):
        with self.lock:
            self.inside += 1
            self.peak = max(self.peak, self.inside)
        try:
            self.opened.wait(30)
        finally:
            with self.lock:
                self.inside -= 1
        return TEMPLATES


def burst(sb, count=BURST):
    """``count`` client threads, each sending one message on a connection of its own."""
    results: list = [None] * count

    def client(index):
        with requests.Session() as session:
            body = make_body(sb, mobile=f"137{index:08d}")
            try:
                results[index] = send(sb, body, session=session, timeout=30)["result"]
            except requests.RequestException as exc:
                results[index] = exc

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def test_a_burst_waits_for_a_bounded_pool_of_workers_and_every_send_succeeds(clock):
    gate = Gate()
    before = set(threading.enumerate())
    with Sandbox(sdk_app_id=APP_ID, app_key=SEED_KEY, templates=gate, clock=clock, workers=4) as sb:
        clients, results = burst(sb)
        # Every connection accepted (none left to time out in the backlog), four requests
        # being answered, and no thread started for the other twenty-six.
        assert wait_until(lambda: sb.connections == BURST and gate.inside == 4)
        started = set(threading.enumerate()) - before - set(clients)
        assert len(started) <= 4 + 2  # the workers, the acceptor and the report thread
        gate.opened.set()
        for thread in clients:
            thread.join(30)
        assert results == [0] * BURST
        assert len(sb.messages) == BURST
    assert gate.peak == 4


def test_a_burst_on_the_default_pool_is_served_without_a_broken_connection(sandbox):
    sandbox.add_template(20, TEMPLATES[20])
    clients, results = burst(sandbox)
    for thread in clients:
        thread.join(30)
    assert results == [0] * BURST
    assert len(sandbox.messages) == BURST


def test_idle_keep_alive_connections_hold_no_worker(clock):
    """More idle keep-alive connections than workers: every one is still answered."""
    with Sandbox(
        sdk_app_id=APP_ID, app_key=SEED_KEY, templates=TEMPLATES, clock=clock, workers=2
    ) as sb:
        sessions = [requests.Session() for _ in range(6)]
        try:
            for _ in range(2):
                for session in sessions:
                    assert send(sb, make_body(sb), session=session, timeout=5)["result"] == 0
        finally:
            for session in sessions:
                session.close()
        assert sb.connections == 6


@pytest.mark.parametrize("size", [0, 257, True, 1.5])
def test_the_pool_size_is_validated(size):
    with pytest.raises(ValueError, match="workers"):
        WorkerPool(size, "x")
    with pytest.raises(ValueError, match="workers"):
        Sandbox(workers=size)

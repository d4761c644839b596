import time


def wait_until(predicate, timeout: float = 5.0) -> bool:
    """Poll for something another thread does (not for time to pass); False on time-out."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def wait_for_processes(predicate, timeout: float, failure) -> None:
    """Poll for what other processes do until ``predicate()``; ``pytest.fail`` with
    ``failure()``'s text as soon as it says something is wrong (a process exited), or with
    ``failure(timed_out=True)``'s once ``timeout`` seconds pass."""
    import pytest

    deadline = time.monotonic() + timeout
    while not predicate():
        problem = failure(timed_out=time.monotonic() > deadline)
        if problem:
            pytest.fail(problem)
        time.sleep(0.05)

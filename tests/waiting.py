import time


def wait_until(predicate, timeout: float = 5.0) -> bool:
    """Poll for something another thread does (not for time to pass); False on time-out."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True

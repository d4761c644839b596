"""A fixed number of daemon threads that run the jobs handed to them, in order of arrival."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

__all__ = ["WorkerPool", "validate_size"]


def validate_size(size: object) -> int:
    """``size`` as a number of workers (an int from 1 to 256), or ValueError."""
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 256:
        raise ValueError("workers must be an int from 1 to 256")
    return size


class WorkerPool:
    """``size`` threads named ``name-1``… that run :meth:`submit`'s jobs; excess jobs wait.

    Daemon threads: a job still running when the process exits (a ``slow`` fault) does not
    hold it up. A job's exception is its own business: catch it in the job.
    """

    def __init__(self, size: int, name: str) -> None:
        self.size = validate_size(size)
        self.name = name
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    @property
    def threads(self) -> list[threading.Thread]:
        """The threads started (``size`` of them once started)."""
        return list(self._threads)

    def start(self) -> None:
        for number in range(1, self.size + 1):
            thread = threading.Thread(target=self._run, name=f"{self.name}-{number}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def stop(self) -> None:
        """Let each thread end after the jobs already submitted (does not wait)."""
        for _ in self._threads:
            self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

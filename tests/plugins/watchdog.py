"""A hung test must cost minutes, not the CI's 90: and it must say where it hung.

pytest-timeout (pyproject: `timeout`) fails a test that runs too long. Before
that, this watchdog writes every thread's stack and every asyncio task's
await chain to the real stderr (capture or not), because a hang in an async
test shows in no thread stack: the loop just sits in select() while one task
awaits something that never comes.
"""

from __future__ import annotations

import asyncio
import faulthandler
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

WARN_AFTER_SECONDS = 240.0


class _Watch:
    def __init__(self) -> None:
        self.nodeid: str | None = None
        self.started = 0.0
        self.reported: str | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self) -> None:
        while True:
            time.sleep(5)
            nodeid = self.nodeid
            if nodeid and nodeid != self.reported and time.monotonic() - self.started > WARN_AFTER_SECONDS:
                self.reported = nodeid
                self.report(nodeid)

    def report(self, nodeid: str) -> None:
        err = sys.__stderr__
        assert err is not None
        print(f"\n=== watchdog: {nodeid} still running after {WARN_AFTER_SECONDS:.0f}s; thread stacks:", file=err)
        faulthandler.dump_traceback(file=err, all_threads=True)
        loop = self.loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(_dump_tasks, loop)
        err.flush()


def _dump_tasks(loop: asyncio.AbstractEventLoop) -> None:
    err = sys.__stderr__
    assert err is not None
    tasks = asyncio.all_tasks(loop)
    print(f"=== watchdog: {len(tasks)} asyncio tasks:", file=err)
    for task in tasks:
        print(f"--- {task!r}", file=err)
        task.print_stack(limit=30, file=err)
    err.flush()


WATCH = _Watch()


def pytest_configure(config: pytest.Config) -> None:
    threading.Thread(target=WATCH.run, name="test-watchdog", daemon=True).start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    WATCH.nodeid, WATCH.started = item.nodeid, time.monotonic()
    yield
    WATCH.nodeid = None


@pytest.fixture(scope="session", autouse=True)
async def _watched_loop() -> AsyncIterator[None]:
    """The session's event loop, so the watchdog can list its tasks."""
    WATCH.loop = asyncio.get_running_loop()
    yield
    WATCH.loop = None

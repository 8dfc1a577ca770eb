"""AMI fixtures: the fake exchange on loopback, a connector config pointed at it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from contact_center.calls.ami.connector import AmiConfig, AmiConnector
from tests.fakes.ami_server import FakeAmi, FakeMember, FakeQueue

USERNAME = "cc142"
SECRET = "s3cret"


@pytest.fixture
async def ami_server() -> AsyncIterator[FakeAmi]:
    fake = FakeAmi({USERNAME: SECRET})
    fake.queues["142"] = FakeQueue("142", members=[
        FakeMember("Aysel Məmmədova", "PJSIP/1001", paused=True, reason="nahar",
                   login_time=int(time.time()) - 3600, last_pause=int(time.time()) - 600),
        FakeMember("Local/1002@from-queue/n", "Local/1002@from-queue/n", state_interface="PJSIP/1002",
                   login_time=int(time.time()) - 3600),
    ])
    fake.queues["143"] = FakeQueue("143", strategy="leastrecent", members=[
        FakeMember("PJSIP/1009", "PJSIP/1009", login_time=int(time.time()) - 60),
    ])
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def ami_config(ami_server: FakeAmi) -> AmiConfig:
    """Quick timeouts and back-off, so reconnects take milliseconds."""
    return AmiConfig(
        host="127.0.0.1", port=ami_server.port, username=USERNAME, secret=SECRET,
        connect_timeout=2.0, action_timeout=2.0, ping_interval=5.0, ping_timeout=2.0,
        backoff_initial=0.05, backoff_max=0.2, auth_retry_seconds=30.0, delivery_retry_max=0.2,
    )


async def until(predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@asynccontextmanager
async def running(connector: AmiConnector) -> AsyncIterator[AmiConnector]:
    task = asyncio.create_task(connector.run())
    try:
        yield connector
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
    assert task.cancelled(), "the connector ended by itself"

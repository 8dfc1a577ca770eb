"""Meta channel fixtures: the fake Graph API server, settings, signed posts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from contact_center.app import create_app
from contact_center.appkeys import META_WORKER, META_WORKER_CONFIG
from contact_center.config import Settings
from contact_center.social import RetryPolicy, WorkerConfig
from contact_center.web.signatures import sign_sha256
from tests.fakes.graph_server import FakeGraph
from tests.plugins.backend import free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta"
APP_SECRET = "test-meta-app-secret"
VERIFY_TOKEN = "test-meta-verify-token"
PAGE_ID = "104000000000001"
PAGE_TOKEN = "page-token-104000000000001"
OTHER_PAGE_ID = "104000000000002"
OTHER_PAGE_TOKEN = "page-token-104000000000002"
IG_ACCOUNT_ID = "17841400000000001"
DEFAULT_TOKEN = "page-token-default"

# Fast retries so a test sees the back-off work in well under a second.
FAST_WORKER = WorkerConfig(
    poll_seconds=0.1,
    retry=RetryPolicy(base_seconds=0.05, max_delay_seconds=0.2, max_attempts=4),
    inbox_defer=timedelta(seconds=0.1),
)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def fixture(name: str) -> dict[str, Any]:
    return json.loads(fixture_bytes(name))


def meta_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign_sha256(secret, body)}


async def post_meta(client: TestClient, payload: str | dict[str, Any] | bytes, *, secret: str = APP_SECRET) -> Any:
    """POST a named fixture (str), a payload (dict) or raw bytes, correctly signed."""
    if isinstance(payload, str):
        body = fixture_bytes(payload)
    elif isinstance(payload, bytes):
        body = payload
    else:
        body = json.dumps(payload, ensure_ascii=False).encode()
    return await client.post("/webhooks/meta", data=body, headers=meta_headers(body, secret))


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph(tokens={PAGE_TOKEN, OTHER_PAGE_TOKEN, DEFAULT_TOKEN}).start()
    yield fake
    await fake.stop()


@pytest.fixture
def meta_settings(settings: Settings, graph: FakeGraph) -> Settings:
    return settings.with_(
        meta_app_secret=APP_SECRET,
        meta_verify_token=VERIFY_TOKEN,
        meta_page_access_token=DEFAULT_TOKEN,
        meta_page_tokens={PAGE_ID: PAGE_TOKEN, OTHER_PAGE_ID: OTHER_PAGE_TOKEN},
        meta_graph_url=graph.url,
        # The bot is unreachable unless a test brings the real one (tests/plugins/rasa_server.py).
        rasa_url=f"http://127.0.0.1:{free_port()}",
        rasa_timeout_seconds=2.0,
    )


@pytest.fixture
def make_meta_client(
    aiohttp_client: Callable[..., Any], db: object
) -> Callable[..., Any]:
    """`await make_meta_client(settings, config=FAST_WORKER)`: the app with a fast Meta worker."""

    async def make(settings: Settings, config: WorkerConfig = FAST_WORKER) -> TestClient:
        app = create_app(settings)
        app[META_WORKER_CONFIG] = config
        return await aiohttp_client(app)  # type: ignore[no-any-return]

    return make


@pytest.fixture
async def meta_client(make_meta_client: Callable[..., Any], meta_settings: Settings) -> TestClient:
    return await make_meta_client(meta_settings)  # type: ignore[no-any-return]


async def wait_until(predicate: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an async predicate until it returns something truthy."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        await asyncio.sleep(interval)


async def worker_caught_up(app: Any, loop: str, *, timeout: float = 10.0) -> None:
    """Wait until the app's Meta worker has finished a pass of `loop` ("inbox" or
    "outbox") that began after this call: what was committed before, it has handled.
    The proof that something did not happen, without sleeping."""
    worker = app[META_WORKER]
    target = worker.passes[loop] + 2  # the pass under way may have begun before the call
    wake = worker.kick_inbox if loop == "inbox" else worker.kick_outbox

    async def done() -> bool:
        wake()  # no waiting for the poll
        return bool(worker.passes[loop] >= target)

    await wait_until(done, timeout=timeout)


async def inbox_drained(engine: Any, *, at_least: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Wait until the webhook inbox holds `at_least` items and all are processed; returns them."""
    from sqlalchemy import text as sql

    async def check() -> list[dict[str, Any]] | None:
        async with engine.connect() as conn:
            rows = [dict(r._mapping) for r in await conn.execute(
                sql("SELECT id, mid, kind, processed_at, result, error, attempts FROM meta_inbox ORDER BY id"))]
        if len(rows) >= at_least and all(r["processed_at"] is not None for r in rows):
            return rows
        return None

    return await wait_until(check, timeout=timeout)  # type: ignore[no-any-return]

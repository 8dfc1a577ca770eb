"""The Meta worker of one backend process: webhook inbox in, Send API out.

Every process runs one (started by contact_center/runtime.py); rows are claimed with
`FOR UPDATE SKIP LOCKED`, so any number of processes share the work and a
process that dies leaves only leases that run out. The worker owns its
transactions, like a request handler; the services it calls never commit.

- Inbox: woken by the webhook handler of the same process right after it
  stored items, and by a poll (items of a crashed process, retries).
- Outbox: woken by a PostgreSQL NOTIFY the sender issues at commit (any
  process), and by the poll (back-off retries becoming due).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from contact_center.config import Settings
from contact_center.social import outbox, webhook_inbox
from contact_center.social.graph_client import GraphError, send_message
from contact_center.social.webhook_inbox import ClaimedItem

log = logging.getLogger(__name__)

# An item handler turns one claimed inbox item into chat data and names the
# outcome; DEFER hands the item back for a moment without counting a try.
DEFER = "defer"
ItemHandler = Callable[[ClaimedItem], Awaitable[str]]


@dataclass(frozen=True)
class WorkerConfig:
    poll_seconds: float = 1.0
    batch: int = 20
    retry: outbox.RetryPolicy = field(default_factory=outbox.RetryPolicy)
    inbox_lease: timedelta = webhook_inbox.DEFAULT_LEASE
    inbox_defer: timedelta = timedelta(seconds=1)
    prune_every: timedelta = timedelta(hours=1)


class MetaWorker:
    def __init__(
        self,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        handler: ItemHandler,
        config: WorkerConfig | None = None,
    ) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.handler = handler
        self.config = config or WorkerConfig()
        self._inbox_wake = asyncio.Event()
        self._outbox_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listen_conn: AsyncConnection | None = None
        self._last_prune = datetime.min.replace(tzinfo=UTC)
        self.http: aiohttp.ClientSession | None = None
        # Passes of each loop that ended with nothing left to claim. A pass that
        # began after a commit has handled what it committed: tests wait on these.
        self.passes = {"inbox": 0, "outbox": 0}

    # -- wake-ups ---------------------------------------------------------
    def kick_inbox(self) -> None:
        self._inbox_wake.set()

    def kick_outbox(self) -> None:
        self._outbox_wake.set()

    # -- inbox ------------------------------------------------------------
    async def inbox_once(self) -> int:
        """Claim and process one batch; returns how many items were taken."""
        async with self.sessionmaker.begin() as session:
            items = await webhook_inbox.claim(session, limit=self.config.batch, lease=self.config.inbox_lease)
        if items:
            # One item per contact in a batch, so they can run side by side.
            await asyncio.gather(*(self._process(item) for item in items))
        return len(items)

    async def _process(self, item: ClaimedItem) -> None:
        try:
            result = await self.handler(item)
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the others
            error = f"{type(exc).__name__}: {exc}"[:2000]
            async with self.sessionmaker.begin() as session:
                if item.attempts >= webhook_inbox.MAX_ATTEMPTS:
                    log.error("meta item %s (%s) set aside after %d tries: %s", item.id, item.mid, item.attempts, error)
                    await webhook_inbox.finish(session, item.id, "failed", error)
                else:
                    log.warning("meta item %s (%s) failed, will retry: %s", item.id, item.mid, error, exc_info=True)
                    await webhook_inbox.release(session, item.id, error, delay=timedelta(seconds=2**item.attempts))
            return
        async with self.sessionmaker.begin() as session:
            if result == DEFER:
                await webhook_inbox.release(session, item.id, "deferred", delay=self.config.inbox_defer, count=False)
            else:
                await webhook_inbox.finish(session, item.id, result)

    # -- outbox -----------------------------------------------------------
    async def outbox_once(self) -> int:
        async with self.sessionmaker.begin() as session:
            items = await outbox.claim(session, limit=self.config.batch, lease=self.config.retry.lease)
        if items:
            await asyncio.gather(*(self._send(item) for item in items))
        return len(items)

    async def _send(self, item: outbox.ClaimedSend) -> None:
        assert self.http is not None
        token = outbox.page_token(self.settings, item.account_id)
        try:
            if token is None:
                raise GraphError(
                    400, f"no page access token for account {item.account_id} (META_PAGE_TOKENS / META_PAGE_ACCESS_TOKEN)",
                    code=190,
                )
            ok = await send_message(self.http, self.settings.meta_graph_url, token, item.body)
        except GraphError as exc:
            retry, error = outbox.failure_text(exc, item.attempts, self.config.retry)
            async with self.sessionmaker.begin() as session:
                if retry:
                    delay = self.config.retry.delay(item.attempts)
                    log.warning("outbox %s: temporary error, retry in %.1fs: %s", item.id, delay.total_seconds(), error)
                    await outbox.record_retry(session, item, error, delay)
                else:
                    log.warning("outbox %s: not delivered: %s", item.id, error)
                    await outbox.record_failed(session, item, error)
            return
        async with self.sessionmaker.begin() as session:
            await outbox.record_sent(session, item, ok)

    # -- loops --------------------------------------------------------------
    async def _run(self, name: str, once: Callable[[], Awaitable[int]], wake: asyncio.Event) -> None:
        while True:
            try:
                # Keep going while there is work: a contact's next item becomes
                # claimable only once the previous one is done.
                while await once() > 0:
                    pass
                self.passes[name] += 1
                if name == "inbox":
                    await self._maybe_prune()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - e.g. the database restarting: try again later
                log.exception("meta %s worker round failed", name)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), self.config.poll_seconds)
            wake.clear()

    async def _maybe_prune(self) -> None:
        now = datetime.now(UTC)
        if now - self._last_prune < self.config.prune_every:
            return
        self._last_prune = now
        async with self.sessionmaker.begin() as session:
            await webhook_inbox.prune(session, now=now)

    async def _listen(self) -> None:
        """LISTEN for the sender's NOTIFY on a connection of its own."""
        try:
            conn = await self.engine.connect()
            raw = await conn.get_raw_connection()
            await raw.driver_connection.add_listener(  # type: ignore[union-attr]
                outbox.NOTIFY_CHANNEL, lambda *_args: self._outbox_wake.set()
            )
            self._listen_conn = conn
        except Exception:  # noqa: BLE001 - polling still delivers, only slower
            log.exception("cannot LISTEN for the outbox; polling only")

    async def start(self) -> None:
        self.http = aiohttp.ClientSession()
        await self._listen()
        self._tasks = [
            asyncio.create_task(self._run("inbox", self.inbox_once, self._inbox_wake), name="meta-inbox"),
            asyncio.create_task(self._run("outbox", self.outbox_once, self._outbox_wake), name="meta-outbox"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await self._listen_conn.close()
        if self.http is not None:
            await self.http.close()

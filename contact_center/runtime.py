"""The runtime of one backend process: everything that lives as long as the process.

The app factory (contact_center/app.py) installs it whatever is mounted;
nothing else starts anything long-lived. aiohttp enters these contexts in
this order at start-up and leaves them in the reverse order at shutdown, so
each part may use the ones above it:

    1. database         the engine and the sessionmaker (an embedded PostgreSQL
                        when DATABASE_URL is unset); READS, the read replica
                        (DATABASE_READ_URL) with the primary behind it
    2. live hub         LISTEN for live events (contact_center/live.py): what the
                        consoles and the chat widget hear
    3. chat             the Rasa client and the abandonment sweeper; CHAT, the
                        ChatContext every chat channel hands to receive_message
                        (contact_center/chat/)
    4. PBX batcher      group commit of PBX event requests
                        (contact_center/calls/pbx_batcher.py)
    5. Meta worker      the outbox as the sender of Facebook and Instagram
                        replies; the worker of the webhook inbox (fed to the
                        chat) and of the Send API outbox (contact_center/social/)
    6. stats refresher  the rollups, in the one process that leads
                        (contact_center/stats/refresher.py, contact_center/db/leader.py)
    7. retention        once a day, in the one process that leads "retention"
                        (contact_center/privacy/retention.py); off without
                        CC142_PSEUDONYM_KEY (a warning says so)
    8. rate counters    hourly pruning of old rate-limit counters (contact_center/ratelimit.py)
    9. AMI              with AMI_HOST set: the one connection to Asterisk's
                        Manager Interface, in the one process that leads "ami"
                        (contact_center/calls/ami/); its call events go through
                        calls.record like every PBX input, its member events
                        to the agent states; AMI (AmiLink) tells /readyz
   10. bot trackers     hourly, in the one process that leads "bot-trackers":
                        Rasa's trackers of conversations that ended
                        BOT_TRACKER_GRACE_HOURS ago are deleted
                        (contact_center/privacy/bot_trackers.py)

Before them, the process's metrics (METRICS, contact_center/monitoring/):
every part and every request reports to it.

At shutdown, before any of them stops, the long-lived WebSockets an area put
in WEBSOCKETS (the console's and the chat widget's) are closed (GOING_AWAY),
all at once and for at most CLOSE_SOCKETS_SECONDS, so that shutting down does
not wait for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine
from functools import partial
from typing import Any

from aiohttp import WSCloseCode, web

from contact_center import ratelimit
from contact_center.appkeys import (
    AMI,
    CHAT,
    CHAT_SOCKETS,
    CONSOLE_SOCKETS,
    ENGINE,
    LIVE_HUB,
    META_WORKER,
    META_WORKER_CONFIG,
    METRICS,
    PBX_BATCHER,
    READS,
    SESSIONMAKER,
    SETTINGS,
    WEBSOCKETS,
)
from contact_center.calls import IngestResult, PbxBatcher
from contact_center.calls.ami import AmiConfig, AmiConnector, AmiLink, store_agent_events, store_call_events
from contact_center.chat import BotClient, ChatContext, sweep_forever
from contact_center.chat.socket_caps import SocketCaps
from contact_center.db.driver import driver_dsn
from contact_center.db.embedded import resolve_database_url, to_asyncpg
from contact_center.db.engine import make_engine, make_sessionmaker
from contact_center.db.reads import ReadDatabase
from contact_center.db.leader import run_as_leader
from contact_center.live import LiveHub
from contact_center.monitoring import Metrics
from contact_center.privacy.bot_trackers import run_hourly as forget_bot_trackers_hourly
from contact_center.privacy.retention import run_daily
from contact_center.ratelimit import prune_forever
from contact_center.social import MetaWorker, handle_item, register_senders
from contact_center.stats.refresher import run_refresher
from contact_center.web import idempotency

log = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


@contextlib.asynccontextmanager
async def _background(work: Coroutine[Any, Any, None], name: str) -> AsyncIterator[None]:
    """Run `work` as a task until the block ends, then cancel it."""
    task = asyncio.create_task(work, name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    url = await resolve_database_url(settings.database_url, settings.data_dir)
    engine = make_engine(url, pool_size=settings.db_pool_size)
    app[METRICS].watch_pool(engine)
    app[ENGINE] = engine
    app[SESSIONMAKER] = make_sessionmaker(engine)
    replica = make_engine(to_asyncpg(settings.database_read_url), pool_size=settings.db_pool_size) \
        if settings.database_read_url else None
    app[READS] = ReadDatabase(engine, replica)
    yield
    if replica is not None:
        await replica.dispose()
    await engine.dispose()


async def live_hub(app: web.Application) -> AsyncIterator[None]:
    hub = LiveHub(driver_dsn(app[ENGINE].url))
    app[LIVE_HUB] = hub
    await hub.start()
    yield
    await hub.stop()


async def chat(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    bot = BotClient(settings.rasa_url, settings.rasa_timeout_seconds)
    await bot.start()
    ctx = ChatContext(settings=settings, sessionmaker=app[SESSIONMAKER], bot=bot, metrics=app[METRICS])
    app[CHAT] = ctx
    async with _background(sweep_forever(ctx), "cc142-chat-sweeper"):
        yield
    await bot.close()


async def pbx_batcher(app: web.Application) -> AsyncIterator[None]:
    app[PBX_BATCHER] = PbxBatcher(app[ENGINE], app[SETTINGS])
    yield


async def meta_worker(app: web.Application) -> AsyncIterator[None]:
    register_senders()  # Facebook and Instagram replies go out through the outbox
    worker = MetaWorker(
        app[ENGINE], app[SESSIONMAKER], app[SETTINGS], partial(handle_item, app[CHAT]), app.get(META_WORKER_CONFIG)
    )
    app[META_WORKER] = worker
    await worker.start()
    yield
    await worker.stop()


async def stats_refresher(app: web.Application) -> AsyncIterator[None]:
    if app[SETTINGS].stats_refresh_seconds <= 0:  # off (tests refresh when they choose)
        yield
        return
    async with _background(run_refresher(app[ENGINE], app[SETTINGS]), "cc142-stats-refresher"):
        yield


async def retention(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if not settings.pseudonym_key:
        log.warning("daily retention is off: set CC142_PSEUDONYM_KEY (docs/privacy.md)")
        yield
        return
    async with _background(run_daily(driver_dsn(app[ENGINE].url), app[SESSIONMAKER], settings), "cc142-retention"):
        yield


async def rate_counters(app: web.Application) -> AsyncIterator[None]:
    """Old rate-limit counters and console submission ids pruned hourly (contact_center/ratelimit.py)."""
    pruners = (ratelimit.prune, idempotency.prune)
    async with _background(prune_forever(app[SESSIONMAKER], pruners), "cc142-rate-counters"):
        yield


AMI_METRICS_SECONDS = 1.0


async def _lead_ami(link: AmiLink) -> None:
    link.leading = True
    try:
        await link.connector.run()
    finally:
        link.leading = False


async def _follow_ami(app: web.Application, link: AmiLink) -> None:
    """The connector counts; the metrics follow (a cheap copy each second)."""
    while True:
        app[METRICS].follow_ami(link.connector.status)
        await asyncio.sleep(AMI_METRICS_SECONDS)


async def ami(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if not settings.ami_host:
        yield
        return
    metrics = app[METRICS]

    def counted(result: IngestResult) -> None:
        metrics.count_pbx("ami", accepted=result.accepted, duplicates=result.duplicates)

    connector = AmiConnector(
        AmiConfig.from_settings(settings),
        on_calls=store_call_events(app[ENGINE], settings, counted),
        on_agents=store_agent_events(app[ENGINE], settings),
    )
    link = app[AMI] = AmiLink(connector)
    dsn = driver_dsn(app[ENGINE].url)
    async with _background(run_as_leader(dsn, "ami", partial(_lead_ami, link)), "cc142-ami"), \
            _background(_follow_ami(app, link), "cc142-ami-metrics"):
        yield
    metrics.follow_ami(connector.status)


async def bot_trackers(app: web.Application) -> AsyncIterator[None]:
    engine = app[ENGINE]
    work = forget_bot_trackers_hourly(driver_dsn(engine.url), app[SESSIONMAKER], engine.url, app[SETTINGS])
    async with _background(work, "cc142-bot-trackers"):
        yield


# The order of start-up (and, reversed, of shutdown).
PARTS: tuple[CleanupContext, ...] = (
    database, live_hub, chat, pbx_batcher, meta_worker, stats_refresher, retention, rate_counters, ami,
    bot_trackers,
)


# Shutdown waits at most this long for the clients to answer the close frames.
CLOSE_SOCKETS_SECONDS = 5.0


async def _close_websockets(app: web.Application) -> None:
    """All at once, bounded: one slow client must not hold up the shutdown."""
    closing = [ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown") for ws in list(app[WEBSOCKETS])]
    if closing:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), CLOSE_SOCKETS_SECONDS)


def install(app: web.Application) -> None:
    """Give `app` the process's runtime (called once, by the app factory)."""
    # Before the parts: each reports to it (the pool, the chat) and so do the requests.
    app[METRICS] = Metrics(app[SETTINGS].metrics_dir)
    app[WEBSOCKETS] = weakref.WeakSet()
    app[CHAT_SOCKETS] = SocketCaps()
    app[CONSOLE_SOCKETS] = SocketCaps()
    app.on_shutdown.append(_close_websockets)
    app.cleanup_ctx.extend(PARTS)

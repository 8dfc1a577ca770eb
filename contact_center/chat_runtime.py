"""The chat's per-process runtime: one Rasa client (one pooled ClientSession)
and the abandonment sweeper. Every channel adapter gets its ChatContext with
`chat_context(request.app)`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.services.bot_client import BotClient
from contact_center.services.chat_abandonment import SWEEP_SECONDS, sweep_abandoned
from contact_center.services.conversations import ChatContext

log = logging.getLogger(__name__)

CHAT = web.AppKey("chat", ChatContext)


def chat_context(app: web.Application) -> ChatContext:
    return app[CHAT]


async def _sweep_forever(ctx: ChatContext) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            async with ctx.sessionmaker.begin() as session:
                closed = await sweep_abandoned(session, ctx.settings)
            if closed:
                log.info("chat conversations abandoned: %s", closed)
        except Exception:  # noqa: BLE001 - a failed sweep is retried on the next tick
            log.exception("abandonment sweep failed")


async def chat_runtime(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: must run after the database context (it needs the sessionmaker)."""
    settings = app[SETTINGS]
    bot = BotClient(settings.rasa_url, settings.rasa_timeout_seconds)
    await bot.start()
    ctx = ChatContext(settings=settings, sessionmaker=app[SESSIONMAKER], bot=bot)
    app[CHAT] = ctx
    sweeper = asyncio.create_task(_sweep_forever(ctx))
    yield
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    await bot.close()

"""The chat abandonment sweeper of one process (started by contact_center/runtime.py):
every SWEEP_SECONDS it closes the conversations their citizens abandoned
(contact_center.chat.abandonment; a sweep skips the rows another
process holds, so every process may run one)."""

from __future__ import annotations

import asyncio
import logging

from contact_center.chat.abandonment import SWEEP_SECONDS, sweep_abandoned
from contact_center.chat.conversations import ChatContext

log = logging.getLogger(__name__)


async def sweep_forever(ctx: ChatContext, every: float = SWEEP_SECONDS) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            async with ctx.sessionmaker.begin() as session:
                closed = await sweep_abandoned(session, ctx.settings)
            if closed:
                log.info("chat conversations abandoned: %s", closed)
        except Exception:  # noqa: BLE001 - a failed sweep is retried on the next tick
            log.exception("abandonment sweep failed")

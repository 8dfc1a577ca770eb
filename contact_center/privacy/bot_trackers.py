"""The bot's own memory of conversations (Rasa's trackers) when a citizen's data
is erased.

Rasa keeps a tracker per sender id (`chat.receive.bot_sender_id`: one per
conversation) in its tracker store. Deleting those belongs to the scaling
work (issue 19), which moves the tracker store into PostgreSQL where the
backend can reach it. Until then this hook is called by every erasure with
the conversations it touched (id and creation time: what the sender id is
made of), and does nothing but say so in the log; the erasure's audit entry
records the conversation ids it handed over.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

log = logging.getLogger(__name__)


async def forget_bot_trackers(conversations: Sequence[tuple[int, datetime]]) -> int:
    """Delete Rasa's trackers of these conversations (id, created_at); returns how
    many were deleted. To be filled by issue 19 (the tracker store in PostgreSQL)."""
    if conversations:
        log.info("bot trackers of %d conversations left to the tracker store's own retention (issue 19)",
                 len(conversations))
    return 0

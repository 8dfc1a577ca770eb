"""Many first messages in a row (prepared statements switch to generic plans
after five executions: the conversation upsert must still find its index)."""

from __future__ import annotations

from sqlalchemy import func, select

from contact_center.db.models import Conversation
from tests.chat.conftest import say, visitor


async def test_twelve_new_visitors_one_after_another(make_client, dead_rasa, sessionmaker):
    client = await make_client(dead_rasa.with_(rasa_timeout_seconds=0.5))
    ids = {(await say(client, visitor(), f"Salam {n}"))["conversation_id"] for n in range(12)}
    assert len(ids) == 12
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Conversation)) == 12

"""The social statistics feed on a small hand-built history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from contact_center.db.models import Conversation, Message
from contact_center.social import social_feed

BAKU = ZoneInfo("Asia/Baku")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=BAKU)


async def test_received_and_answered_per_channel(sessionmaker: Any, db: Any) -> None:
    async with sessionmaker.begin() as s:
        def conv(channel: str, contact: str) -> Conversation:
            c = Conversation(channel=channel, contact_id=contact, status="resolved")
            s.add(c)
            return c

        def msg(c: Conversation, sender: str, when: datetime, *, kind: str = "text",
                status: str | None = None) -> None:
            s.add(Message(conversation_id=c.id, sender=sender, kind=kind, text="x", channel=c.channel,
                          created_at=when, delivery_status=status))

        a, b, c, d, e, w = (conv("facebook", "a"), conv("facebook", "b"), conv("facebook", "c"),
                            conv("instagram", "d"), conv("instagram", "e"), conv("web_chat", "w"))
        await s.flush()
        # a: two questions, then one delivered bot answer -> both answered.
        msg(a, "citizen", at(10, 9)); await s.flush()
        msg(a, "citizen", at(10, 9, 1)); await s.flush()
        msg(a, "bot", at(10, 9, 2), status="sent"); await s.flush()
        # a: a later question with only a system notice and a note -> not answered.
        msg(a, "citizen", at(10, 12)); await s.flush()
        msg(a, "system", at(10, 12, 1), status="sent"); await s.flush()
        msg(a, "agent", at(10, 12, 2), kind="note"); await s.flush()
        # b: an attachment answered by an agent whose reply Meta refused -> not answered.
        msg(b, "citizen", at(11, 10), kind="attachment"); await s.flush()
        msg(b, "agent", at(11, 10, 5), status="failed"); await s.flush()
        # c: a question answered in Meta's own app (echo: sent) -> answered;
        #    one pending reply does not count yet.
        msg(c, "citizen", at(12, 23, 30)); await s.flush()
        msg(c, "agent", at(12, 23, 40), status="sent"); await s.flush()
        msg(c, "citizen", at(12, 23, 50)); await s.flush()
        msg(c, "agent", at(12, 23, 55), status="pending"); await s.flush()
        # d: Instagram, answered; written just before midnight Baku time on the 31st -> outside.
        msg(d, "citizen", at(13, 8)); await s.flush()
        msg(d, "agent", at(13, 8, 3), status="sent"); await s.flush()
        msg(d, "citizen", at(31, 23, 59)); await s.flush()
        msg(d, "bot", datetime(2025, 4, 1, 0, 1, tzinfo=BAKU), status="sent"); await s.flush()
        # e: Instagram, before the period (28 Feb) -> outside.
        msg(e, "citizen", datetime(2025, 2, 28, 23, 59, tzinfo=BAKU)); await s.flush()
        # web chat is not a social channel.
        msg(w, "citizen", at(10, 9)); await s.flush()

    async with sessionmaker() as s:
        feed = await social_feed(s, date(2025, 3, 1), date(2025, 3, 30), BAKU)
    assert feed["facebook"].as_dict() == {
        "messages_received": 6, "messages_answered": 3, "answer_rate": 0.5,
        "conversations": 3, "conversations_answered": 2,
    }
    assert feed["instagram"].as_dict() == {
        "messages_received": 1, "messages_answered": 1, "answer_rate": 1.0,
        "conversations": 1, "conversations_answered": 1,
    }
    async with sessionmaker() as s:
        whole = await social_feed(s, date(2025, 2, 1), date(2025, 3, 31), BAKU, channels=("instagram", "web_chat"))
    assert (whole["instagram"].messages_received, whole["instagram"].messages_answered) == (3, 2)
    assert (whole["web_chat"].messages_received, whole["web_chat"].messages_answered) == (1, 0)
    async with sessionmaker() as s:
        empty = await social_feed(s, date(2024, 1, 1), date(2024, 1, 31), BAKU)
    assert empty["facebook"].as_dict()["answer_rate"] is None

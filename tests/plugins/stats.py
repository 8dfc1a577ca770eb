"""Builders for statistics fixtures: rows written straight into the tables
(times are Baku local, UTC+4), as the console, chat and PBX paths leave them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

BAKU = ZoneInfo("Asia/Baku")


def at(value: str) -> datetime:
    """'2024-08-05 10:00:00' in Baku time -> aware datetime."""
    return datetime.fromisoformat(value).replace(tzinfo=BAKU)


@dataclass
class StatsData:
    engine: AsyncEngine

    async def _one(self, sql: str, **params: Any) -> Any:
        async with self.engine.begin() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def user(self, extension: str, name: str = "") -> int:
        return await self._one(
            "INSERT INTO users (username, full_name, password_hash, role, extension, active, status, failed_logins) "
            "VALUES (:u, :n, '!', 'agent', :e, TRUE, 'offline', 0) RETURNING id",
            u=f"agent{extension}", n=name or f"Agent {extension}", e=extension,
        )

    async def call(
        self, enqueued: str, *, wait: float | None = None, talk: float | None = None,
        status: str = "answered", agent: str | None = None, queue: str | None = "142",
        direction: str = "inbound", call_id: str | None = None, survey: int | None = None,
    ) -> int:
        """answered: answered after `wait`, ended after `talk` (None: still talking);
        abandoned/timeout/...: left after `wait`; in_progress: only enqueued.
        survey: the post-call survey's rating, given a minute after the call."""
        enq = at(enqueued)
        answered = ended = reason = None
        if status == "answered":
            answered = enq + timedelta(seconds=wait or 0)
            ended = answered + timedelta(seconds=talk) if talk is not None else None
        elif status != "in_progress":
            reason = status
            ended = enq + timedelta(seconds=wait or 0)
        return await self._one(
            "INSERT INTO calls (pbx_call_id, direction, caller, queue, agent, enqueued_at, answered_at, ended_at, "
            "unanswered_reason, transferred, survey_score, survey_at) "
            "VALUES (:p, :d, '+994501234567', :q, :a, :e, :an, :en, :r, FALSE, :s, :sa) RETURNING id",
            p=call_id or f"t-{enqueued}-{queue}-{direction}", d=direction, q=queue, a=agent, e=enq,
            an=answered, en=ended, r=reason, s=survey,
            sa=None if survey is None else (ended or enq) + timedelta(minutes=1),
        )

    async def register(
        self, agent_id: int, *, call_id: int | None = None, occurred: str | None = None,
        direction: str = "social_protection", call_type: str = "information", district: str = "baku_xetai",
        outcome: str = "fully_answered", channel: str = "phone",
    ) -> int:
        if occurred is None:
            occurred_at = await self._one("SELECT COALESCE(answered_at, enqueued_at) FROM calls WHERE id = :i", i=call_id)
        else:
            occurred_at = at(occurred)
        return await self._one(
            "INSERT INTO call_registrations (call_id, channel, agent_id, phone, direction, call_type, district, "
            "outcome, note, occurred_at) VALUES (:c, :ch, :a, '+994501234567', :d, :t, :s, :o, '', :oc) RETURNING id",
            c=call_id, ch=channel, a=agent_id, d=direction, t=call_type, s=district, o=outcome, oc=occurred_at,
        )

    async def conversation(
        self, channel: str, created: str, *, direction: str | None = None, district: str | None = None,
        handoff: str | None = None, first_reply: str | None = None, assigned_to: int | None = None,
        abandoned: bool = False, csat: int | None = None, status: str = "resolved",
        messages: list[tuple[str, str]] = (),  # (sender, Baku time)
    ) -> int:
        cid = await self._one(
            "INSERT INTO conversations (channel, contact_id, status, direction, district, urgent, handoff_at, "
            "low_confidence_streak, assigned_to, first_agent_reply_at, abandoned, csat_score, created_at) "
            "VALUES (:ch, :contact, :st, :d, :di, FALSE, :h, 0, :a, :f, :ab, :cs, :cr) RETURNING id",
            ch=channel, contact=f"c-{channel}-{created}", st=status, d=direction, di=district,
            h=at(handoff) if handoff else None, a=assigned_to, f=at(first_reply) if first_reply else None,
            ab=abandoned, cs=csat, cr=at(created),
        )
        for sender, when in messages:
            await self._one(
                "INSERT INTO messages (conversation_id, sender, kind, text, channel, created_at) "
                "VALUES (:c, :s, :k, 'x', :ch, :t) RETURNING id",
                c=cid, s=sender.split(":")[0], k=(sender.split(":") + ["text"])[1], ch=channel, t=at(when),
            )
        return cid

    async def callback(
        self, created: str, *, source: str = "web", status: str = "open", due: str | None = None,
        claimed_by: int | None = None, abandoned_call_id: int | None = None, direction: str | None = None,
        district: str | None = None, phone: str | None = None, attempts: list[tuple[str, str]] = (),
    ) -> int:
        created_at = at(created)
        bid = await self._one(
            "INSERT INTO callbacks (phone, source, status, due_at, claimed_by, attempts, abandoned_call_id, "
            "direction, district, note, created_at) VALUES (:p, :s, :st, :due, :cl, :n, :ab, :d, :di, '', :cr) "
            "RETURNING id",
            p=phone or f"+99450{abs(hash(created)) % 10**7:07d}", s=source, st=status,
            due=at(due) if due else created_at + timedelta(hours=1), cl=claimed_by, n=len(attempts),
            ab=abandoned_call_id, d=direction, di=district, cr=created_at,
        )
        for when, result in attempts:
            await self._one(
                "INSERT INTO callback_attempts (callback_id, agent_id, result, note, at) "
                "VALUES (:b, :a, :r, '', :t) RETURNING id",
                b=bid, a=claimed_by, r=result, t=at(when),
            )
        return bid


@pytest.fixture
async def stats_data(db: AsyncEngine) -> AsyncIterator[StatsData]:
    yield StatsData(db)

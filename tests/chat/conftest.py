"""Fixtures of the chat tests: console users acting on the inbox, a closed Rasa port."""

from __future__ import annotations

import itertools
import secrets

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contact_center.chat import Actor
from contact_center.config import Settings
from contact_center.db.models import User
from tests.plugins.backend import free_port

_seq = itertools.count(1)


@pytest.fixture
def dead_rasa(settings: Settings) -> Settings:
    """Settings whose RASA_URL points at a closed port on loopback."""
    return settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=2.0)


@pytest.fixture
def make_actor(sessionmaker: async_sessionmaker[AsyncSession], db: object):
    async def make(role: str = "agent", full_name: str = "Aysel Məmmədova") -> Actor:
        n = next(_seq)
        async with sessionmaker.begin() as s:
            user = User(username=f"user{n}", full_name=full_name, password_hash="x", role=role)
            s.add(user)
            await s.flush()
            return Actor(id=user.id, name=full_name.split(" ")[0], role=role)

    return make


def visitor() -> str:
    return "v-" + secrets.token_hex(12)


async def say(client, visitor_id: str, text: str, **extra) -> dict:
    resp = await client.post("/api/v1/chat/messages", json={"visitor_id": visitor_id, "text": text, **extra})
    assert resp.status == 200, await resp.text()
    return await resp.json()

"""RASA_URL with several replicas: each conversation keeps to one healthy
replica, moves to another when its replica refuses or drops the connection
(without asking the failed one again for a while), never re-sends a turn that
timed out, and /readyz shows every replica. Fake Rasa servers here; the real
replicas sharing trackers are tests/scale/test_rasa_replicas.py."""

from __future__ import annotations


import pytest

from contact_center.chat import BotClient, bot_client
from contact_center.chat.bot_client import BotUnavailable, split_urls
from tests.fakes.rasa_server import FakeRasa
from tests.plugins.backend import free_port


@pytest.fixture
async def two_replicas():
    replicas = [await FakeRasa("r1").start(), await FakeRasa("r2").start()]
    yield replicas
    for r in replicas:
        assert r.server is not None
        await r.server.close()


async def _client(replicas: list[FakeRasa], timeout: float = 5.0) -> BotClient:
    client = BotClient(",".join(r.url + "/" for r in replicas), timeout)
    await client.start()
    return client


def test_rasa_url_lists_replicas_in_order():
    assert split_urls(" http://a:5005/ , http://b:5005,,http://a:5005") == ("http://a:5005", "http://b:5005")
    with pytest.raises(ValueError):
        split_urls(" , ")


async def test_conversations_spread_over_replicas_and_each_keeps_to_one(two_replicas):
    client = await _client(two_replicas)
    try:
        senders = [f"{n}-1700000000000000" for n in range(40)]
        for _ in range(3):
            for sender in senders:
                await client.send(sender, "salam")
        r1, r2 = two_replicas
        assert r1.senders and r2.senders, "both replicas get conversations"
        assert set(r1.senders).isdisjoint(r2.senders), "one conversation, one replica"
        assert all(n == 3 for n in [*r1.senders.values(), *r2.senders.values()])
    finally:
        await client.close()


async def test_a_stopped_replica_is_skipped_and_its_conversations_carry_on(two_replicas, monkeypatch):
    client = await _client(two_replicas)
    try:
        r1, r2 = two_replicas
        sender = next(s for s in (f"{n}-1" for n in range(100)) if client.order(s)[0] == r1.url)
        assert (await client.send(sender, "salam")).messages[0].text == "r1: salam"
        assert r1.server is not None
        await r1.server.close()  # replica 1 goes away: connections refused
        reply = await client.send(sender, "pensiya")
        assert reply.messages[0].text == "r2: pensiya"  # same conversation, answered by replica 2
        assert client.order(sender) == [r2.url, r1.url]  # circuit open: r1 is not tried first
        assert await client.health() == "degraded"
        assert await client.replica_health() == ["unavailable", "ready"]
    finally:
        await client.close()


async def test_a_replica_answering_503_trips_its_circuit_for_a_while(two_replicas, monkeypatch):
    client = await _client(two_replicas)
    try:
        r1, r2 = two_replicas
        r1.status = 503
        sender = next(s for s in (f"{n}-1" for n in range(100)) if client.order(s)[0] == r1.url)
        for text in ("bir", "iki", "üç"):
            assert (await client.send(sender, text)).messages[0].text == f"r2: {text}"
        assert r1.senders[sender] == 1, "the failed replica is asked once, then skipped"
        r1.status = 200
        monkeypatch.setattr(bot_client, "CIRCUIT_OPEN_SECONDS", 0.0)
        client._replicas[0].open_until = 0.0  # the breaker's period is over: half-open
        assert (await client.send(sender, "dörd")).messages[0].text == "r1: dörd"  # back home
    finally:
        await client.close()


async def test_a_timed_out_turn_is_not_sent_to_another_replica(two_replicas):
    client = await _client(two_replicas, timeout=0.5)
    try:
        r1, r2 = two_replicas
        r1.delay = 2.0
        sender = next(s for s in (f"{n}-1" for n in range(100)) if client.order(s)[0] == r1.url)
        with pytest.raises(BotUnavailable):
            await client.send(sender, "salam")
        assert r2.senders[sender] == 0, "replica 1 may still finish that turn: no second answer"
        r1.delay = 0.0
        assert (await client.send(sender, "yenə")).messages[0].text == "r2: yenə"  # r1's circuit is open
    finally:
        await client.close()


async def test_all_replicas_down_is_bot_unavailable(monkeypatch):
    client = BotClient(f"http://127.0.0.1:{free_port()},http://127.0.0.1:{free_port()}", 2)
    try:
        with pytest.raises(BotUnavailable, match="Rasa unreachable"):
            await client.send("1-1", "salam")
        assert await client.health() == "starting"
        monkeypatch.setattr(bot_client, "STARTUP_GRACE_SECONDS", 0.0)
        monkeypatch.setattr(bot_client, "HEALTH_TTL_SECONDS", 0.0)
        assert await client.health() == "unavailable"
    finally:
        await client.close()


async def test_readyz_lists_each_replica(make_client, settings, two_replicas):
    dead = f"http://127.0.0.1:{free_port()}"
    client = await make_client(settings.with_(rasa_url=f"{two_replicas[0].url},{dead}"))
    body = await (await client.get("/readyz")).json()
    assert body["status"] == "ready"
    assert body["bot"] == "degraded" and body["bot_replicas"] == ["ready", "starting"]

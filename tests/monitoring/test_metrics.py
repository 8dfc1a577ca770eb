"""GET /metrics: protected like the read APIs; counters move with the traffic;
the backlog is read from the database; with `cc142 serve --workers 2` every
scrape sees the whole process group."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from contact_center.db.models import Callback, StatsState

from tests.helpers import event, post_pbx, signed
from tests.plugins.backend import API_TOKEN, PBX_SECRET, ROOT, free_port
from tests.plugins.console import login

BEARER = {"Authorization": f"Bearer {API_TOKEN}"}


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(exposition: str, name: str, **labels: str) -> float:
    return samples(exposition).get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(client) -> str:
    resp = await client.get("/metrics", headers=BEARER)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return await resp.text()


async def test_metrics_are_for_the_api_token_or_a_supervisor(client, make_user):
    anonymous = await client.get("/metrics")
    assert anonymous.status == 401 and (await anonymous.json())["error"] == "unauthorized"
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401
    await make_user("aysel", role="agent")
    await login(client, "aysel")
    assert (await client.get("/metrics")).status == 401  # an agent's session is not enough
    await client.post("/console/logout", data={})
    await make_user("nigar", role="supervisor")
    client.session.cookie_jar.clear()
    await login(client, "nigar")
    assert (await client.get("/metrics")).status == 200


async def test_counters_move_after_a_pbx_post_and_a_chat_message(make_client, settings):
    client = await make_client(settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=1.0))
    before = await scrape(client)
    events = [event("e1", "c1", "enqueued", "2026-03-02T10:00:00+04:00", caller="+994501112233", queue="142"),
              event("e2", "c1", "answered", "2026-03-02T10:00:20+04:00", agent="1001")]
    assert (await post_pbx(client, events)).status == 202
    assert (await post_pbx(client, events[:1])).status == 202  # a duplicate
    assert (await post_pbx(client, [{"event_id": "x"}])).status == 422
    assert (await post_pbx(client, events, secret="wrong")).status == 401
    chat = await client.post("/api/v1/chat/messages", json={"visitor_id": "v-" + "c3" * 12, "text": "Salam"})
    assert chat.status == 200 and (await chat.json())["handoff"] is True  # the bot is down: to a person
    assert (await client.post("/api/v1/chat/messages", json={"visitor_id": "v-1"})).status == 422
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("cc142_pbx_events_total", source="events", result="accepted") == 2
    assert moved("cc142_pbx_events_total", source="events", result="duplicate") == 1
    assert moved("cc142_pbx_events_total", source="events", result="rejected") == 1
    assert moved("cc142_pbx_requests_refused_total", source="events", reason="invalid") == 1
    assert moved("cc142_pbx_requests_refused_total", source="events", reason="signature") == 1
    assert moved("cc142_chat_messages_total", channel="web_chat", status="stored") == 1
    assert moved("cc142_chat_messages_total", channel="web_chat", status="rejected") == 1
    assert moved("cc142_bot_failures_total") == 1
    assert moved("cc142_bot_request_duration_seconds_count") == 1
    assert moved("cc142_chat_handoffs_total", channel="web_chat", reason="bot_unavailable") == 1
    # Per named route, never per path.
    assert moved("cc142_http_requests_total", route="pbx_events", method="POST", status="2xx") == 2
    assert moved("cc142_http_requests_total", route="pbx_events", method="POST", status="4xx") == 2
    assert moved("cc142_http_request_duration_seconds_count", route="chat_messages") == 2
    assert value(after, "cc142_http_requests_total", route="metrics", method="GET", status="2xx") >= 1
    assert "/api/v1/pbx/events" not in after
    # The pool: connections open now, none left checked out between requests.
    assert value(after, "cc142_db_pool_connections") >= 1
    assert value(after, "cc142_db_pool_checked_out") <= 1  # the scrape's own session, at most
    # The backlog, from the database: the chat waits for an agent.
    assert value(after, "cc142_chats_pending") == 1
    assert value(after, "cc142_meta_outbox_pending") == 0


async def test_unknown_paths_are_one_label(client):
    for n in range(3):
        assert (await client.get(f"/no/such/page/{n}")).status == 404
    after = await scrape(client)
    assert value(after, "cc142_http_requests_total", route="none", method="GET", status="4xx") == 3


async def test_the_backlog_is_read_at_scrape_time(client, sessionmaker):
    now = datetime.now(UTC)
    past, future = now - timedelta(minutes=5), now + timedelta(hours=1)
    async with sessionmaker.begin() as session:
        session.add_all([Callback(phone=f"+99450100000{n}", source="web", status=status, due_at=due, note="",
                                  attempts=0)
                         for n, (status, due) in enumerate([("open", past), ("claimed", past), ("open", future),
                                                            ("reached", past)])])
        session.add(StatsState(id=1, watermark=now - timedelta(seconds=90), refreshed_at=now))
    exposition = await scrape(client)
    assert value(exposition, "cc142_callbacks_open") == 3
    assert value(exposition, "cc142_callbacks_due") == 2
    assert 90 <= value(exposition, "cc142_rollup_lag_seconds") < 150


async def test_live_sockets_are_counted_while_open(client, make_user):
    await make_user("nigar", role="supervisor")
    await login(client, "nigar")
    async with client.ws_connect("/console/live/ws") as ws:
        await ws.receive_json()
        assert value(await (await client.get("/metrics")).text(), "cc142_live_sockets", kind="console") == 1
    for _ in range(50):  # the server notices the close
        if value(await (await client.get("/metrics")).text(), "cc142_live_sockets", kind="console") == 0:
            break
        time.sleep(0.02)
    assert value(await (await client.get("/metrics")).text(), "cc142_live_sockets", kind="console") == 0


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def _metrics(base: str) -> str:
    req = urllib.request.Request(base + "/metrics", headers=BEARER)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.read().decode()


def test_every_scrape_sees_the_whole_process_group(database_url, db, tmp_path):
    """`cc142 serve --workers 2`: posts land on both processes (the kernel spreads new
    connections), yet every scrape, whichever process answers, counts them all."""
    port = free_port()
    env = {"DATABASE_URL": database_url, "PBX_WEBHOOK_SECRET": PBX_SECRET, "CC142_API_TOKEN": API_TOKEN,
           "CC142_DATA_DIR": str(tmp_path), "CC142_STATS_REFRESH_SECONDS": "0", "PATH": "/usr/bin:/bin"}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "contact_center", "serve", "--workers", "2", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # both processes serving (each counts itself in, while it lives)
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            try:
                if value(_metrics(base), "cc142_processes") == 2:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        posts = 40
        for n in range(posts):  # a new connection each: both processes take some
            body, headers = signed(json.dumps(event(f"w{n}", f"wc{n}", "enqueued", "2026-03-02T10:00:00+04:00",
                                                    caller="+994501112233", queue="142")))
            assert _post(base + "/api/v1/pbx/events", body, headers) == 202
        # Each scrape on a new connection: either process answers, each sees them all.
        for _ in range(12):
            exposition = _metrics(base)
            assert value(exposition, "cc142_pbx_events_total", source="events", result="accepted") == posts
            assert value(exposition, "cc142_http_requests_total", route="pbx_events", method="POST",
                         status="2xx") == posts
            assert value(exposition, "cc142_processes") == 2
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()

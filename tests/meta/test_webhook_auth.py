"""The subscription check (GET) and the signature of events (POST)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.plugins.meta import APP_SECRET, VERIFY_TOKEN, fixture_bytes, meta_headers


async def _stored(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as conn:
        inbox = (await conn.execute(text("SELECT count(*) FROM meta_inbox"))).scalar_one()
        messages = (await conn.execute(text("SELECT count(*) FROM messages"))).scalar_one()
    return inbox, messages


async def test_subscription_check_echoes_the_challenge(meta_client: Any) -> None:
    resp = await meta_client.get(
        "/webhooks/meta",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    assert await resp.text() == "1158201444"


async def test_subscription_check_refuses_a_wrong_token_or_mode(meta_client: Any) -> None:
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    ):
        resp = await meta_client.get("/webhooks/meta", params=params)
        assert resp.status == 403, params
        assert "1" not in await resp.text()


async def test_subscription_check_refuses_everything_without_a_configured_token(
    make_meta_client: Any, meta_settings: Any
) -> None:
    client = await make_meta_client(meta_settings.with_(meta_verify_token=""))
    resp = await client.get(
        "/webhooks/meta", params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    assert resp.status == 403


async def test_missing_signature_is_refused_and_nothing_stored(meta_client: Any, db: AsyncEngine) -> None:
    body = fixture_bytes("text")
    resp = await meta_client.post("/webhooks/meta", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 401
    assert (await resp.json())["error"] == "bad_signature"
    assert await _stored(db) == (0, 0)


async def test_wrong_signature_is_refused_and_nothing_stored(meta_client: Any, db: AsyncEngine) -> None:
    body = fixture_bytes("text")
    # Signed with another secret; and a correct signature of a different body.
    for headers in (
        meta_headers(body, secret="not-the-app-secret"),
        meta_headers(fixture_bytes("batch")),
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "garbage"},
    ):
        resp = await meta_client.post("/webhooks/meta", data=body, headers=headers)
        assert resp.status == 401, headers
    assert await _stored(db) == (0, 0)


async def test_sha1_signature_alone_is_not_enough(meta_client: Any, db: AsyncEngine) -> None:
    body = fixture_bytes("text")
    sha1 = "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()
    resp = await meta_client.post("/webhooks/meta", data=body, headers={"X-Hub-Signature": sha1})
    assert resp.status == 401
    assert await _stored(db) == (0, 0)


async def test_no_app_secret_configured_refuses_everything(
    make_meta_client: Any, meta_settings: Any, db: AsyncEngine
) -> None:
    client = await make_meta_client(meta_settings.with_(meta_app_secret=""))
    body = fixture_bytes("text")
    resp = await client.post("/webhooks/meta", data=body, headers=meta_headers(body, secret=""))
    assert resp.status == 401
    assert await _stored(db) == (0, 0)


async def test_signed_body_that_is_not_json_is_a_clear_400(meta_client: Any, db: AsyncEngine) -> None:
    body = b"{not json"
    resp = await meta_client.post("/webhooks/meta", data=body, headers=meta_headers(body))
    assert resp.status == 400
    assert (await resp.json())["error"] == "invalid_json"
    assert await _stored(db) == (0, 0)

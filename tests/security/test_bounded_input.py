"""Bounded input (issue 13): what an attacker sent to a running instance, and the answers now.

Each case was a 500 or an unbounded read before contact_center/web/body_limits.py.
"""

from __future__ import annotations

import gzip
import io
import json
import secrets
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from contact_center.db.models import Message
from tests.helpers import signed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pbx"


def visitor() -> str:
    return "v-" + secrets.token_hex(12)


async def _error(resp, status: int, code: str) -> dict:
    assert resp.status == status, await resp.text()
    body = await resp.json()
    assert body["error"] == code and body["message"], body
    return body


async def test_deeply_nested_json_on_chat_is_400_not_500(client, sessionmaker):
    resp = await client.post("/api/v1/chat/messages", data=b"[" * 15_000,  # under 16 KiB
                             headers={"Content-Type": "application/json"})
    body = await _error(resp, 400, "too_deep")
    assert "nested" in body["message"]
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == 0


async def test_moderately_nested_json_is_refused_by_the_depth_limit(client):
    resp = await client.post("/api/v1/chat/messages", data=b"[" * 40 + b"]" * 40,
                             headers={"Content-Type": "application/json"})
    await _error(resp, 400, "too_deep")


async def test_deeply_nested_signed_pbx_body_is_400_not_500(client):
    body, headers = signed(b"[" * 100_000)
    resp = await client.post("/api/v1/pbx/events", data=body, headers=headers | {"Content-Type": "application/json"})
    await _error(resp, 400, "too_deep")


async def test_deep_meta_body_is_400(make_client, settings):
    client = await make_client(settings.with_(meta_app_secret="s3cret"))
    body, headers = signed(b"{\"a\":" * 5000, secret="s3cret")
    resp = await client.post("/webhooks/meta", data=body,
                             headers={"X-Hub-Signature-256": headers["X-Signature-256"]})
    await _error(resp, 400, "too_deep")


@pytest.mark.parametrize("after", ["99999999999999999999", "-1", "1e3", "٣"])
async def test_history_after_out_of_range_is_422(client, after):
    resp = await client.get("/api/v1/chat/history", params={"after": after},
                            headers={"X-Visitor-Id": visitor()})
    body = await _error(resp, 422, "invalid_input")
    assert body["field"] == "after"


async def test_big_path_id_is_404_not_a_driver_error(client):
    resp = await client.get("/console/calls/99999999999999999999", headers={"Accept": "application/json"})
    await _error(resp, 404, "not_found")


async def test_30_mib_chat_body_is_refused_from_content_length(client):
    payload = json.dumps({"visitor_id": visitor(), "text": "x" * (30 * 1024 * 1024)}).encode()
    resp = await client.post("/api/v1/chat/messages", data=io.BytesIO(payload), headers={"Content-Type": "application/json"})
    body = await _error(resp, 413, "too_large")
    assert "16 KiB" in body["message"]


async def test_chunked_chat_body_is_cut_off_while_streaming(client):
    async def chunks():
        yield b'{"visitor_id": "' + visitor().encode() + b'", "text": "'
        for _ in range(64):
            yield b"x" * 4096
        yield b'"}'

    resp = await client.post("/api/v1/chat/messages", data=chunks(), headers={"Content-Type": "application/json"})
    await _error(resp, 413, "too_large")


async def test_gzip_bomb_is_capped_after_inflation(client):
    inner = b'{"visitor_id": "' + visitor().encode() + b'", "text": "' + b" " * (30 * 1024 * 1024) + b'"}'
    bomb = gzip.compress(inner, 9)
    assert len(bomb) < 64 * 1024  # small on the wire
    resp = await client.post("/api/v1/chat/messages", data=bomb,
                             headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    await _error(resp, 413, "too_large")


async def test_small_gzip_and_deflate_bodies_are_accepted(make_client, settings):
    client = await make_client(settings.with_(rasa_url="http://127.0.0.1:9", rasa_timeout_seconds=1.0))
    for encoding, pack in (("gzip", gzip.compress), ("deflate", zlib.compress)):
        raw = json.dumps({"visitor_id": visitor(), "text": "Salam"}).encode()
        resp = await client.post("/api/v1/chat/messages", data=pack(raw),
                                 headers={"Content-Type": "application/json", "Content-Encoding": encoding})
        assert resp.status == 200, await resp.text()


async def test_unknown_encoding_is_415(client):
    resp = await client.post("/api/v1/chat/messages", data=b"{}",
                             headers={"Content-Type": "application/json", "Content-Encoding": "compress"})
    await _error(resp, 415, "unsupported_encoding")


async def test_pbx_batch_limit_is_2_mib(client):
    body, headers = signed(b"[" + b" " * (3 * 1024 * 1024) + b"]")
    resp = await client.post("/api/v1/pbx/events", data=io.BytesIO(body),
                             headers=headers | {"Content-Type": "application/json"})
    body = await _error(resp, 413, "too_large")
    assert "2 MiB" in body["message"]


async def test_queue_log_has_its_own_limit_and_takes_gzip(make_client, settings):
    client = await make_client(settings.with_(pbx_queue_log_max_mb=1))
    sample = (FIXTURES / "queue_log_sample.txt").read_bytes()
    _, headers = signed(sample)
    # The signature covers the body as the handler reads it: inflated.
    resp = await client.post("/api/v1/pbx/queue-log", data=gzip.compress(sample),
                             headers=headers | {"Content-Type": "text/plain", "Content-Encoding": "gzip"})
    assert resp.status == 202, await resp.text()
    assert (await resp.json())["accepted"] > 0
    big, headers = signed(b"x" * (2 * 1024 * 1024))
    resp = await client.post("/api/v1/pbx/queue-log", data=io.BytesIO(big), headers=headers | {"Content-Type": "text/plain"})
    body = await _error(resp, 413, "too_large")
    assert "1 MiB" in body["message"]


@pytest.mark.parametrize("path", ["/api/v1/pbx/events", "/api/v1/pbx/queue-log", "/api/v1/callbacks",
                                  "/api/v1/chat/messages", "/webhooks/meta"])
async def test_multipart_without_boundary_on_machine_routes_is_4xx_json(client, path):
    resp = await client.post(path, data=b"--x\r\n", headers={"Content-Type": "multipart/form-data"})
    assert resp.status in (400, 415), await resp.text()
    assert (await resp.json())["error"] in ("invalid_content_type", "unsupported_media_type")


@pytest.mark.parametrize("path", ["/console/login", "/callback"])
async def test_multipart_without_boundary_on_forms_is_400(client, path):
    resp = await client.post(path, data=b"--x\r\n", headers={"Content-Type": "multipart/form-data"})
    assert resp.status == 400, await resp.text()


async def test_console_form_limit(client):
    resp = await client.post("/console/login", data=io.BytesIO(b"a=" + b"x" * (1024 * 1024)),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 413


async def test_nul_in_a_query_parameter_is_422_not_a_driver_error(client):
    # Found by the fuzzer: ?call_type=w%00 reached PostgreSQL and answered 500.
    resp = await client.get("/api/v1/registrations", params={"call_type": "w\x00"},
                            headers={"Authorization": "Bearer test-api-token"})
    body = await _error(resp, 422, "invalid_input")
    assert body["field"] == "call_type"

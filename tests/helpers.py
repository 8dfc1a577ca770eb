"""Small helpers shared by tests."""

from __future__ import annotations

import json
from typing import Any

from contact_center.web.signatures import sign_sha256
from tests.plugins.backend import PBX_SECRET


def signed(body: bytes | str, secret: str = PBX_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = body.encode() if isinstance(body, str) else body
    return raw, {"X-Signature-256": sign_sha256(secret, raw)}


async def post_pbx(client: Any, payload: Any, *, secret: str = PBX_SECRET) -> Any:
    body, headers = signed(json.dumps(payload), secret)
    headers["Content-Type"] = "application/json"
    return await client.post("/api/v1/pbx/events", data=body, headers=headers)


def event(event_id: str, call_id: str, type_: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"event_id": event_id, "call_id": call_id, "type": type_, "at": at, **extra}

"""Small helpers shared by tests."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
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


ROOT = Path(__file__).resolve().parent.parent


async def cli(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `cc142 ARGS` against the test database (off the event loop); `env` adds variables."""
    full_env = {k: v for k, v in os.environ.items() if k != "CC142_PSEUDONYM_KEY"}
    full_env.update(DATABASE_URL=database_url, **env)
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "contact_center", *args], cwd=ROOT, env=full_env,
        capture_output=True, text=True, timeout=120,
    )


async def audit_entries(sessionmaker: Any, *actions: str) -> list[Any]:
    """The audit trail's entries (of these actions), oldest first."""
    from sqlalchemy import select

    from contact_center.db.models import AuditEntry

    query = select(AuditEntry).order_by(AuditEntry.id)
    if actions:
        query = query.where(AuditEntry.action.in_(actions))
    async with sessionmaker() as session:
        return list((await session.scalars(query)).all())


async def next_event(ws: Any, topic: str, timeout: float = 10.0) -> dict[str, Any]:
    """The next live event of `topic` on a console socket (other messages skipped)."""

    async def wait() -> dict[str, Any]:
        while True:
            msg = json.loads((await ws.receive()).data)
            if msg.get("type") == "event" and msg["topic"] == topic:
                return msg  # type: ignore[no-any-return]
    return await asyncio.wait_for(wait(), timeout)

"""Meta's Send API (`POST {META_GRAPH_URL}/me/messages?access_token=...`).

Only the call and the classification of its answer live here: temporary
errors (5xx, network trouble, rate limits) are worth retrying, the others
are not. The access token travels in the query string as Meta requires; it is
never logged.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

# Rate limiting: 4 application, 17 user, 32 page, 613 custom rate limit.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
# 1 unknown error and 2 service unavailable are Meta's own transient failures.
TRANSIENT_CODES = frozenset({1, 2})
OUTSIDE_WINDOW = (10, 2018278)
INVALID_TOKEN = 190

SEND_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)


@dataclass(frozen=True)
class SendOk:
    recipient_id: str | None
    message_id: str | None


class GraphError(Exception):
    """A refused or failed Send API call; `temporary` says whether to retry."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        type_: str | None = None,
        fbtrace_id: str | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.subcode = subcode
        self.type = type_
        self.fbtrace_id = fbtrace_id
        self.transient = transient

    @property
    def temporary(self) -> bool:
        if self.status == 0 or self.status >= 500 or self.status == 429:
            return True
        return self.transient or self.code in RATE_LIMIT_CODES or self.code in TRANSIENT_CODES

    @property
    def outside_window(self) -> bool:
        return (self.code, self.subcode) == OUTSIDE_WINDOW

    @property
    def invalid_token(self) -> bool:
        return self.code == INVALID_TOKEN

    def describe(self) -> str:
        """For the agent (Azerbaijani), with Meta's own words for the technicians."""
        if self.outside_window:
            lead = "24 saatlıq cavab müddəti bitib: vətəndaş yenidən yazmalıdır"
        elif self.invalid_token:
            lead = "Səhifənin giriş açarı (access token) etibarsızdır: administratora bildirin"
        elif self.code in RATE_LIMIT_CODES:
            lead = "Meta sorğu limitinə çatılıb"
        elif self.status == 0:
            lead = "Meta ilə əlaqə qurulmadı"
        elif self.temporary:
            lead = "Meta müvəqqəti xəta qaytardı"
        else:
            lead = "Meta mesajı qəbul etmədi"
        code = ""
        if self.code is not None:
            code = f" {self.code}" + (f"/{self.subcode}" if self.subcode else "")
        return f"{lead} (Meta xətası{code}: {self.message})"[:1000]


def _error_from(status: int, data: Any, fallback: str) -> GraphError:
    err = data.get("error") if isinstance(data, dict) else None
    if not isinstance(err, dict):
        return GraphError(status, fallback)

    def as_int(value: Any) -> int | None:
        try:
            return int(value) if value is not None and not isinstance(value, bool) else None
        except (TypeError, ValueError):
            return None

    return GraphError(
        status,
        str(err.get("message") or fallback)[:500],
        code=as_int(err.get("code")),
        subcode=as_int(err.get("error_subcode")),
        type_=err.get("type") if isinstance(err.get("type"), str) else None,
        fbtrace_id=err.get("fbtrace_id") if isinstance(err.get("fbtrace_id"), str) else None,
        transient=err.get("is_transient") is True,
    )


async def send_message(
    http: aiohttp.ClientSession, graph_url: str, token: str, body: dict[str, Any]
) -> SendOk:
    """One Send API call; raises GraphError on anything but a 2xx."""
    url = f"{graph_url.rstrip('/')}/me/messages"
    try:
        async with http.post(url, params={"access_token": token}, json=body, timeout=SEND_TIMEOUT) as resp:
            raw = await resp.read()
            status = resp.status
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        # The request may or may not have reached Meta; retrying risks a
        # duplicate, giving up risks a silent loss, and a duplicate is the lesser harm.
        raise GraphError(0, f"{type(exc).__name__}: {exc}"[:300]) from None
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    if 200 <= status < 300:
        if not isinstance(data, dict):
            return SendOk(None, None)
        rid, mid = data.get("recipient_id"), data.get("message_id")
        return SendOk(str(rid) if rid else None, str(mid) if mid else None)
    raise _error_from(status, data, f"HTTP {status}")

"""Links from a figure to the records behind it, with the same period and filters.

Each list counts exactly what the figure counts (contact_center/stats/facts.py):
- calls (offered, answered, abandoned, waits, hours, days): /console/pbx-calls,
  inbound calls by the local day they entered the queue;
- registered calls (directions, districts, Baku / regions): /console/calls with
  `stats=1`, each registration on its call's queue day (phone only);
- chats and satisfaction: /console/conversations, by the day they started
  (with the dashboard's `language`; the call, registration and callback
  sections are empty under a language filter, as the figures are);
- callbacks: /console/callback-requests, by the day they were requested.
The dashboard's `agent` filter is an extension (the registrations list calls it
`extension`, its own `agent` being a user id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web

from agent_console.layout import url_for

CHAT_CHANNELS = ("web_chat", "facebook", "instagram")


@dataclass(frozen=True)
class Drill:
    request: web.Request
    date_from: date
    date_to: date
    filters: dict[str, str]

    def _period(self, date_from: date | None, date_to: date | None) -> dict[str, Any]:
        return {"from": (date_from or self.date_from).isoformat(), "to": (date_to or self.date_to).isoformat()}

    def _dims(self) -> dict[str, Any]:
        f = self.filters
        return {"queue": f.get("queue"), "direction": f.get("direction"), "district": f.get("district")}

    def calls(self, *, date_from: date | None = None, date_to: date | None = None, **extra: Any) -> str:
        query = self._period(date_from, date_to) | self._dims() | {"agent": self.filters.get("agent")} | extra
        return url_for(self.request, "console_pbx_calls", query=query)

    def registrations(self, **extra: Any) -> str:
        query = (self._period(None, None) | {"stats": "1"} | self._dims()
                 | {"extension": self.filters.get("agent")} | extra)
        return url_for(self.request, "console_registrations", query=query)

    def conversations(self, **extra: Any) -> str:
        channel = self.filters.get("channel")
        query = (self._period(None, None) | self._dims() | {"agent": self.filters.get("agent")}
                 | {"channel": channel if channel in CHAT_CHANNELS else None}
                 | {"language": self.filters.get("language")} | extra)
        return url_for(self.request, "console_conversations", query=query)

    def callbacks(self, **extra: Any) -> str:
        query = self._period(None, None) | self._dims() | {"agent": self.filters.get("agent")} | extra
        return url_for(self.request, "console_callback_requests", query=query)

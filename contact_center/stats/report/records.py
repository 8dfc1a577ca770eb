"""Per-record exports of a month: registered calls and conversations.

Streamed from a server-side cursor, so a month of a million calls never sits
in memory. Rows hold plain values (local times as text); the citizen's
number, name and the note are masked where they are written
(contact_center.stats.report.files, through the one export writer).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import asyncpg

from contact_center.exports import NAME, PHONE, TEXT, Column
from contact_center.stats.rollups import month_end
from contact_center.timeutil import local_range


@dataclass(frozen=True)
class RecordSet:
    key: str
    title: str
    headers: tuple[str, ...]
    sql: str
    personal: dict[str, str] = field(default_factory=dict)  # header -> PHONE | NAME | TEXT

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(Column(h, self.personal.get(h)) for h in self.headers)


REGISTERED_CALLS = RecordSet(
    "registered_calls", "Qeydiyyata alınmış zənglər",
    ("id", "zəng_id", "tarix", "daxil_olma_vaxtı", "qeydiyyat_vaxtı", "telefon", "vətəndaş", "kanal", "istiqamət",
     "növ", "rayon", "ərazi", "cavablandırma_növü", "operator_daxili_nömrə", "operator", "gözləmə_san",
     "danışıq_san", "qeyd"),
    """
SELECT r.id, r.call_id, timezone($1, COALESCE(c.enqueued_at, r.occurred_at))::date::text,
       to_char(timezone($1, c.enqueued_at), 'YYYY-MM-DD HH24:MI:SS'),
       to_char(timezone($1, r.occurred_at), 'YYYY-MM-DD HH24:MI:SS'),
       r.phone, r.citizen_name, r.channel, d.label, t.label, s.label, s.area, o.label,
       u.extension, COALESCE(NULLIF(u.full_name, ''), u.username),
       round(c.wait_seconds::numeric, 1)::float8, round(c.talk_seconds::numeric, 1)::float8, r.note
FROM call_registrations r
LEFT JOIN calls c ON c.id = r.call_id
LEFT JOIN users u ON u.id = r.agent_id
JOIN directions d ON d.code = r.direction
JOIN call_types t ON t.code = r.call_type
JOIN districts s ON s.code = r.district
JOIN outcomes o ON o.code = r.outcome
WHERE r.occurred_at >= $2::timestamptz - interval '1 day' AND r.occurred_at < $3::timestamptz + interval '1 day'
  AND COALESCE(c.enqueued_at, r.occurred_at) >= $2 AND COALESCE(c.enqueued_at, r.occurred_at) < $3
  AND (c.id IS NULL OR c.direction = 'inbound')
ORDER BY COALESCE(c.enqueued_at, r.occurred_at), r.id
""",
    {"telefon": PHONE, "vətəndaş": NAME, "qeyd": TEXT},
)

CONVERSATIONS = RecordSet(
    "conversations", "Söhbətlər",
    ("id", "tarix", "başlama_vaxtı", "kanal", "status", "istiqamət", "rayon", "operatora_yönləndirmə",
     "ilk_operator_cavabı", "ilk_cavab_san", "operator", "tərk_edildi", "məmnunluq", "həll_vaxtı"),
    """
SELECT v.id, timezone($1, v.created_at)::date::text, to_char(timezone($1, v.created_at), 'YYYY-MM-DD HH24:MI:SS'),
       v.channel, v.status, d.label, s.label,
       to_char(timezone($1, v.handoff_at), 'YYYY-MM-DD HH24:MI:SS'),
       to_char(timezone($1, v.first_agent_reply_at), 'YYYY-MM-DD HH24:MI:SS'),
       round(extract(epoch FROM (v.first_agent_reply_at - v.handoff_at)), 1)::float8,
       u.extension, v.abandoned, v.csat_score,
       to_char(timezone($1, v.resolved_at), 'YYYY-MM-DD HH24:MI:SS')
FROM conversations v
LEFT JOIN directions d ON d.code = v.direction
LEFT JOIN districts s ON s.code = v.district
LEFT JOIN users u ON u.id = v.assigned_to
WHERE v.created_at >= $2 AND v.created_at < $3
ORDER BY v.created_at, v.id
""",
)

RECORD_SETS = (REGISTERED_CALLS, CONVERSATIONS)


async def stream(conn: asyncpg.Connection, rs: RecordSet, tz: ZoneInfo, month: date) -> AsyncIterator[tuple]:
    """Rows of the month; `conn` must be inside a transaction (a cursor needs one)."""
    start, end = local_range(month, month_end(month), tz)
    async for record in conn.cursor(rs.sql, tz.key, start, end, prefetch=2000):
        yield tuple(record.values())



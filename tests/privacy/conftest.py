"""Fixtures for the personal-data tests: settings with a pseudonym key, and a
year of records full of numbers, names and texts, written straight into the
tables (as the PBX, console and chat paths leave them)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.config import Settings

KEY = "test-pseudonym-key-0123456789abcdef"


@pytest.fixture
def privacy_settings(settings: Settings) -> Settings:
    return settings.with_(pseudonym_key=KEY, stats_refresh_seconds=0)


@pytest.fixture
async def privacy_client(make_client: Any, privacy_settings: Settings) -> Any:
    return await make_client(privacy_settings)


def number(i: int) -> str:
    """A distinct mobile number per i: +99450 followed by 7 digits."""
    return f"+99450{3000000 + i:07d}"


# One year (2025) of traffic: every day 3 inbound calls (2 answered and registered,
# 1 abandoned with a callback), a web chat and a Facebook conversation with texts,
# CSAT and a callback given inside the chat. Numbers repeat every 40 days so the
# same caller comes back.
SEED_YEAR = [
    """
    INSERT INTO users (username, full_name, password_hash, role, extension, active, status, failed_logins)
    VALUES ('y-agent', 'Aysel Agent', '!', 'agent', '7001', TRUE, 'offline', 0)
    """,
    """
    INSERT INTO calls (pbx_call_id, direction, caller, queue, agent, enqueued_at, answered_at, ended_at,
                       unanswered_reason, transferred)
    SELECT 'y-' || d::date || '-' || k, 'inbound', '+99450' || lpad((3000000 + (extract(doy FROM d)::int % 40) * 3 + k)::text, 7, '0'),
           '142', CASE WHEN k < 2 THEN '7001' END,
           d + make_interval(hours => 9 + k), CASE WHEN k < 2 THEN d + make_interval(hours => 9 + k, secs => 12 + k) END,
           d + make_interval(hours => 9 + k, secs => 200 + k * 30), CASE WHEN k = 2 THEN 'abandoned' END, FALSE
    FROM generate_series(timestamptz '2025-01-01 00:00+04', timestamptz '2025-12-31 00:00+04', interval '1 day') AS d,
         generate_series(0, 2) AS k
    """,
    """
    INSERT INTO pbx_events (event_id, call_id, type, at, caller, queue, agent, direction, source)
    SELECT c.pbx_call_id || '-e', c.pbx_call_id, 'enqueued', c.enqueued_at, c.caller, c.queue, NULL, 'inbound', 'api'
    FROM calls c WHERE c.pbx_call_id LIKE 'y-%'
    """,
    """
    INSERT INTO call_registrations (call_id, channel, agent_id, phone, citizen_name, direction, call_type, district,
                                    outcome, note, occurred_at)
    SELECT c.id, 'phone', u.id, c.caller, 'Vətəndaş ' || c.id, 
           (ARRAY['social_protection','employment','disability'])[1 + c.id % 3], 'information',
           (ARRAY['baku_xetai','sumqayit','gence'])[1 + c.id % 3], 'fully_answered',
           'Zəng etdi, nömrəsi ' || c.caller || ' , ünvanı Nizami küç. 5', c.answered_at
    FROM calls c, users u WHERE u.username = 'y-agent' AND c.answered_at IS NOT NULL AND c.pbx_call_id LIKE 'y-%'
    """,
    """
    INSERT INTO registration_changes (registration_id, user_id, at, before, after)
    SELECT r.id, r.agent_id, r.occurred_at, NULL,
           jsonb_build_object('phone', r.phone, 'citizen_name', r.citizen_name, 'direction', r.direction,
                              'call_type', r.call_type, 'district', r.district, 'outcome', r.outcome, 'note', r.note)
    FROM call_registrations r
    """,
    """
    INSERT INTO conversations (channel, contact_id, status, direction, district, urgent, handoff_at, low_confidence_streak,
                               assigned_to, first_agent_reply_at, last_citizen_message_at, resolved_at, resolved_by,
                               outcome, abandoned, csat_score, csat_at, created_at)
    SELECT ch, CASE ch WHEN 'web_chat' THEN md5('visitor' || d::date) ELSE '7000' || extract(doy FROM d)::int END,
           'resolved', 'employment', 'baku_xetai', FALSE, d + interval '14 hours 1 minute', 0, u.id,
           d + interval '14 hours 3 minutes', d + interval '14 hours', d + interval '14 hours 20 minutes', u.id,
           'fully_answered', FALSE, 1 + extract(doy FROM d)::int % 5, d + interval '14 hours 21 minutes',
           d + interval '14 hours'
    FROM generate_series(timestamptz '2025-01-01 00:00+04', timestamptz '2025-12-31 00:00+04', interval '1 day') AS d,
         unnest(ARRAY['web_chat', 'facebook']) AS ch, users u WHERE u.username = 'y-agent'
    """,
    """
    INSERT INTO messages (conversation_id, sender, kind, text, payload, channel, created_at, agent_id)
    SELECT v.id, s.sender, 'text',
           CASE s.sender WHEN 'citizen' THEN 'Salam, mənim nömrəm 050 ' || (1000000 + v.id) || ', adım Günel'
                         ELSE 'Buyurun, kömək edək' END,
           CASE s.sender WHEN 'citizen' THEN jsonb_build_object('attachments',
                jsonb_build_array(jsonb_build_object('type', 'image', 'url', 'https://cdn.example/' || v.id)))
                         ELSE NULL END,
           v.channel, v.created_at + s.off, CASE s.sender WHEN 'agent' THEN v.assigned_to END
    FROM conversations v,
         (VALUES ('citizen', interval '0'), ('agent', interval '3 minutes')) AS s(sender, off)
    """,
    """
    INSERT INTO callbacks (phone, citizen_name, district, direction, preferred_time, note, source, status, due_at,
                           attempts, closed_at, abandoned_call_id, created_at)
    SELECT c.caller, 'Vətəndaş ' || c.id, 'baku_xetai', 'employment', 'axşam 18-dən sonra',
           'Ünvan: Nizami küç. 5, tel ' || c.caller, 'abandoned_call', 'reached', c.ended_at + interval '1 hour', 1,
           c.ended_at + interval '30 minutes', c.id, c.ended_at
    FROM calls c WHERE c.unanswered_reason = 'abandoned' AND c.pbx_call_id LIKE 'y-%'
    """,
    """
    INSERT INTO callbacks (phone, citizen_name, district, direction, note, source, status, due_at, attempts, closed_at,
                           conversation_id, created_at)
    SELECT '+99455' || lpad((4000000 + extract(doy FROM v.created_at)::int % 50)::text, 7, '0'), 'Günel ' || v.id, 'baku_xetai', 'employment',
           'Söhbətdən: zəng edin', 'bot', 'unreachable', v.created_at + interval '2 hours', 3,
           v.created_at + interval '5 hours', v.id, v.created_at + interval '5 minutes'
    FROM conversations v WHERE v.channel = 'facebook'
    """,
    """
    INSERT INTO callback_attempts (callback_id, agent_id, result, note, at)
    SELECT b.id, u.id, CASE WHEN b.status = 'reached' THEN 'reached' ELSE 'no_answer' END,
           'Zəng etdim ' || b.phone, b.created_at + interval '40 minutes'
    FROM callbacks b, users u WHERE u.username = 'y-agent'
    """,
    """
    INSERT INTO meta_inbox (channel, mid, kind, contact_id, account_id, message, raw, attempts, processed_at, result,
                            received_at)
    SELECT 'facebook', 'm-' || v.id, 'message', v.contact_id, 'page-1',
           jsonb_build_object('text', 'Salam, nömrəm 055 ' || (2000000 + v.id)),
           jsonb_build_object('sender', jsonb_build_object('id', v.contact_id), 'message',
                              jsonb_build_object('text', 'Salam, nömrəm 055 ' || (2000000 + v.id))),
           1, v.created_at, 'ok', v.created_at
    FROM conversations v WHERE v.channel = 'facebook'
    """,
    """
    INSERT INTO outbox (message_id, channel, account_id, recipient_id, body, status, attempts, next_attempt_at,
                        created_at, sent_at)
    SELECT m.id, 'facebook', 'page-1', v.contact_id,
           jsonb_build_object('recipient', jsonb_build_object('id', v.contact_id), 'message',
                              jsonb_build_object('text', m.text)),
           'sent', 1, m.created_at, m.created_at, m.created_at
    FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE v.channel = 'facebook' AND m.sender = 'agent'
    """,
]


async def seed_year(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for statement in SEED_YEAR:
            await conn.execute(text(statement))

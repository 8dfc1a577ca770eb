"""A small world with a distinct number in every place a number can be: whose call,
whose callback, whose registration, whose conversation (the ownership and masking tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from contact_center.db.models import Call
from tests.helpers import event, post_pbx

P = {name: f"+99450{str(d) * 7}" for name, d in (
    ("call_a", 1), ("call_b", 2), ("call_free", 3), ("cb_a", 4), ("cb_b", 5), ("cb_open", 6), ("reg_a", 7),
    ("reg_b", 8))}
P["chat_b"] = "+994559998877"
NAMES = {"cb_a": "Leyla Həsənova", "cb_b": "Orxan Quliyev", "cb_open": "Nərmin Əliyeva", "reg_a": "Sevda Kərimova",
         "reg_b": "Tural Məmmədov"}


def forms(phone: str) -> list[str]:
    """Every way a page may print the number in full."""
    n = phone[4:]
    return [phone, phone[1:], "0" + n, f"+994 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", f"0{n[:2]} {n[2:5]} {n[5:7]} {n[7:]}",
            n]


@dataclass
class World:
    users: dict[str, int]
    calls: dict[str, int]
    callbacks: dict[str, int]
    registrations: dict[str, int]
    conversations: dict[str, int]


async def build_world(client, db, sessionmaker, make_user) -> World:
    users = {
        "aysel": (await make_user("aysel", extension="1001", full_name="Aysel Operator")).id,
        "kamran": (await make_user("kamran", extension="1002", full_name="Kamran Operator")).id,
        "rena": (await make_user("rena", role="supervisor", extension="2001", full_name="Rəna Supervayzer")).id,
        "admin": (await make_user("boss", role="admin", full_name="Admin")).id,
    }
    now = datetime.now(UTC)
    evs = []
    for key, agent in (("call_a", "1001"), ("call_b", "1002"), ("call_free", None)):
        evs.append(event(f"{key}-e", key, "enqueued", (now - timedelta(seconds=30)).isoformat(), caller=P[key],
                         queue="142"))
        if agent:
            evs.append(event(f"{key}-a", key, "answered", now.isoformat(), agent=agent))
    assert (await post_pbx(client, evs)).status == 202
    async with sessionmaker() as session:
        calls = {k: (await session.execute(select(Call.id).where(Call.pbx_call_id == k))).scalar_one()
                 for k in ("call_a", "call_b", "call_free")}
    callbacks, registrations, conversations = {}, {}, {}
    async with db.begin() as conn:
        for key, status, holder in (("cb_a", "claimed", "aysel"), ("cb_b", "claimed", "kamran"),
                                    ("cb_open", "open", None)):
            callbacks[key] = (await conn.execute(text(
                "INSERT INTO callbacks (phone, citizen_name, note, source, status, due_at, claimed_by, claimed_at, "
                "attempts, created_at) VALUES (:p, :n, :note, 'web', :s, now() + interval '1 hour', :h, "
                "CASE WHEN CAST(:h2 AS integer) IS NULL THEN NULL ELSE now() END, 0, now()) RETURNING id"),
                {"p": P[key], "n": NAMES[key], "note": f"Zəng edin: {P[key]}", "s": status,
                 "h": users[holder] if holder else None, "h2": users[holder] if holder else None})).scalar_one()
        for key, owner in (("reg_a", "aysel"), ("reg_b", "kamran")):
            registrations[key] = (await conn.execute(text(
                "INSERT INTO call_registrations (channel, agent_id, phone, citizen_name, direction, call_type, "
                "district, outcome, note, occurred_at) VALUES ('phone', :a, :p, :n, 'employment', 'information', "
                "'baku_xetai', 'fully_answered', :note, now()) RETURNING id"),
                {"a": users[owner], "p": P[key], "n": NAMES[key], "note": f"Geri zəng: {P[key]}"})).scalar_one()
            await conn.execute(text(
                "INSERT INTO registration_changes (registration_id, user_id, before, after) VALUES (:r, :u, NULL, "
                "jsonb_build_object('phone', CAST(:p AS text), 'citizen_name', CAST(:n AS text)))"),
                {"r": registrations[key], "u": users[owner], "p": P[key], "n": NAMES[key]})
        conversations["chat_b"] = (await conn.execute(text(
            "INSERT INTO conversations (channel, contact_id, status, urgent, abandoned, low_confidence_streak, assigned_to, "
            "assigned_at, handoff_at, handoff_reason, last_citizen_message_at, created_at) VALUES ('web_chat', "
            "'visitor-hash-b', 'open', FALSE, FALSE, 0, :b, now(), now(), 'requested', now(), now()) RETURNING id"),
            {"b": users["kamran"]})).scalar_one()
        await conn.execute(text(
            "INSERT INTO messages (conversation_id, sender, kind, text, channel) VALUES "
            "(:c, 'citizen', 'text', 'Mənim nömrəm 055 999 88 77, zəng edin', 'web_chat')"),
            {"c": conversations["chat_b"]})
    return World(users, calls, callbacks, registrations, conversations)

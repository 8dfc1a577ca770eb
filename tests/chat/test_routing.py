"""Chat routing by skill, release and transfer (issue 16), over HTTP with real sign-ins.

Signing in makes an agent available; skills are what admins tick on the user form.
The fallback's passing is the conversation's time in the queue moved back, not a
sleep (the browser test, tests/chat/test_routing_browser.py, waits a real one)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from contact_center.audit import Actor as AuditActor
from contact_center.chat import transfer
from contact_center.db.models import AuditEntry, ChatTransfer, Conversation, OutboxItem, User, UserSkill
from contact_center.privacy import retention
from tests.chat.conftest import say, visitor
from tests.plugins.console import csrf_from, login

JSON = {"Accept": "application/json"}
TRANSFERRED_AZ = "Müraciətiniz başqa əməkdaşa yönləndirildi, bir az gözləyin."
TRANSFERRED_RU = "Ваше обращение передано другому специалисту, пожалуйста, подождите."


def queue_ids(html: str) -> list[int]:
    """The conversation ids in the inbox's "waiting" table (the first one)."""
    table = html.split('<table class="inbox-table">')[1].split("</table>")[0]
    return [int(n) for n in re.findall(r'data-conversation="(\d+)"', table)]


def mine_ids(html: str) -> list[int]:
    table = html.split('<table class="inbox-table">')[2].split("</table>")[0]
    return [int(n) for n in re.findall(r'data-conversation="(\d+)"', table)]


async def skilled(sessionmaker, username: str, *directions: str) -> int:
    async with sessionmaker.begin() as s:
        uid = await s.scalar(select(User.id).where(User.username == username))
        s.add_all(UserSkill(user_id=uid, direction=d) for d in directions)
    return uid


async def waiting_chat(client, sessionmaker, *, direction: str | None = "social_protection", urgent=False,
                       text="Salam, operatorla danışmaq istəyirəm") -> tuple[str, int]:
    """A handed-off chat (the bot is down: pending), its direction set as the bot would."""
    v = visitor()
    body = await say(client, v, text)
    assert body["status"] == "pending"
    async with sessionmaker.begin() as s:
        conv = await s.get(Conversation, body["conversation_id"])
        conv.direction, conv.urgent = direction, urgent
    return v, body["conversation_id"]


async def in_queue_since(sessionmaker, cid: int, seconds: float) -> None:
    """The conversation entered the queue `seconds` ago (hand-off and routing clock)."""
    at = datetime.now(UTC) - timedelta(seconds=seconds)
    async with sessionmaker.begin() as s:
        await s.execute(update(Conversation).where(Conversation.id == cid).values(
            handoff_at=at, routed_at=None))


async def agent(make_client, settings, username: str):
    client = await make_client(settings)
    token = await login(client, username)
    return client, {**JSON, "X-CSRF-Token": token}


async def inbox_html(client) -> str:
    resp = await client.get("/console/inbox")
    assert resp.status == 200
    return await resp.text()


async def citizen_texts(client, v: str) -> list[str]:
    history = await (await client.get("/api/v1/chat/history", headers={"X-Visitor-Id": v})).json()
    return [m["text"] for m in history["messages"]]


async def audit_rows(sessionmaker, action: str) -> list[AuditEntry]:
    async with sessionmaker() as s:
        return list((await s.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                     .order_by(AuditEntry.id))).all())


async def test_a_directed_chat_goes_to_available_skilled_agents_first_then_to_everyone(
    make_client, dead_rasa, sessionmaker, make_user
):
    settings = dead_rasa.with_(chat_routing_fallback_seconds=60)
    citizens = await make_client(settings)
    await make_user("aysel", full_name="Aysel Məmmədova")
    await make_user("resad", full_name="Rəşad Əliyev")
    await make_user("boss", role="supervisor", full_name="Nigar Quliyeva")
    await skilled(sessionmaker, "aysel", "social_protection")
    aysel, _ = await agent(make_client, settings, "aysel")
    resad, resad_h = await agent(make_client, settings, "resad")
    boss, _ = await agent(make_client, settings, "boss")
    _, cid = await waiting_chat(citizens, sessionmaker)

    assert queue_ids(await inbox_html(aysel)) == [cid]  # skilled and available
    assert queue_ids(await inbox_html(resad)) == []  # not yet
    boss_html = await inbox_html(boss)
    assert queue_ids(boss_html) == [cid]  # supervisors see all, with the marker of whom it is routed to
    assert 'data-routed-to="social_protection"' in boss_html and "→ Sosial" in boss_html

    # Claiming a chat not routed to you: refused with a reason, nothing claimed.
    resp = await resad.post(f"/console/inbox/{cid}/claim", json={}, headers=resad_h)
    body = await resp.json()
    assert resp.status == 403 and body["error"] == "not_routed"
    assert "başqa istiqamətin operatorlarına yönləndirilib" in body["message"]
    page = await resad.get(f"/console/inbox/{cid}")  # the transcript says why there is no claim button
    html = await page.text()
    assert "Yönləndirilib:" in html and "Söhbəti götür" not in html
    async with sessionmaker() as s:
        assert (await s.get(Conversation, cid)).status == "pending"

    # The fallback passed: everyone sees it and may claim it.
    await in_queue_since(sessionmaker, cid, 61)
    assert queue_ids(await inbox_html(resad)) == [cid]
    assert 'data-routed-to=' not in await inbox_html(boss)
    resp = await resad.post(f"/console/inbox/{cid}/claim", json={}, headers=resad_h)
    assert resp.status == 200
    async with sessionmaker() as s:
        assert (await s.get(Conversation, cid)).assigned_to is not None
    assert queue_ids(await inbox_html(aysel)) == []  # taken: gone from the skilled agent's queue too


async def test_urgent_and_undirected_chats_are_for_everyone_at_once(make_client, dead_rasa, sessionmaker, make_user):
    settings = dead_rasa.with_(chat_routing_fallback_seconds=600)
    citizens = await make_client(settings)
    await make_user("aysel")
    await make_user("resad")
    await skilled(sessionmaker, "aysel", "social_protection")
    await agent(make_client, settings, "aysel")
    resad, resad_h = await agent(make_client, settings, "resad")
    _, urgent = await waiting_chat(citizens, sessionmaker, urgent=True, text="Kömək edin, təcili")
    _, plain = await waiting_chat(citizens, sessionmaker, direction=None, text="Sualım var")
    _, routed = await waiting_chat(citizens, sessionmaker, text="Pensiya")
    assert queue_ids(await inbox_html(resad)) == [urgent, plain]
    resp = await resad.post(f"/console/inbox/{urgent}/claim", json={}, headers=resad_h)
    assert resp.status == 200
    resp = await resad.post(f"/console/inbox/{routed}/claim", json={}, headers=resad_h)
    assert resp.status == 403  # the directed one next to them is still routed to its skill


async def test_with_no_available_skilled_agent_everyone_sees_it_at_once(
    make_client, dead_rasa, sessionmaker, make_user
):
    settings = dead_rasa.with_(chat_routing_fallback_seconds=600)
    citizens = await make_client(settings)
    await make_user("aysel")
    await make_user("resad")
    await make_user("leyla")
    await skilled(sessionmaker, "aysel", "social_protection")
    await skilled(sessionmaker, "leyla", "social_protection")  # skilled, but never signs in (offline)
    aysel, aysel_h = await agent(make_client, settings, "aysel")
    resad, _ = await agent(make_client, settings, "resad")
    _, cid = await waiting_chat(citizens, sessionmaker)
    assert queue_ids(await inbox_html(resad)) == []

    # The only available skilled agent pauses: nobody to wait for, everyone sees it now,
    # and open inboxes hear that they should re-read (chat.routing).
    live = await (await resad.get("/console/live/poll")).json()
    resp = await aysel.post("/console/status", json={"status": "paused", "reason": "lunch"}, headers=aysel_h)
    assert resp.status == 200, await resp.text()
    polled = await (await resad.get("/console/live/poll", params={
        "epoch": live["epoch"], "cursor": live["cursor"], "wait": 5})).json()
    assert {"topic": "chat.routing", "data": {"reason": "availability"}} in [
        {"topic": e["topic"], "data": e["data"]} for e in polled["events"]]
    assert queue_ids(await inbox_html(resad)) == [cid]
    assert queue_ids(await inbox_html(aysel)) == [cid]

    # Back: routed to her again.
    resp = await aysel.post("/console/status", json={"status": "available"}, headers=aysel_h)
    assert resp.status == 200
    assert queue_ids(await inbox_html(resad)) == []


async def test_release_puts_the_chat_back_in_the_queue_and_restarts_routing(
    make_client, dead_rasa, sessionmaker, make_user
):
    settings = dead_rasa.with_(chat_routing_fallback_seconds=60)
    citizens = await make_client(settings)
    await make_user("aysel")
    await make_user("resad")
    aysel_id = await skilled(sessionmaker, "aysel", "social_protection")
    aysel, aysel_h = await agent(make_client, settings, "aysel")
    resad, resad_h = await agent(make_client, settings, "resad")
    v, cid = await waiting_chat(citizens, sessionmaker)
    await in_queue_since(sessionmaker, cid, 300)  # long past the fallback: everyone sees it
    assert queue_ids(await inbox_html(resad)) == [cid]
    assert (await aysel.post(f"/console/inbox/{cid}/claim", json={}, headers=aysel_h)).status == 200
    async with sessionmaker() as s:
        handoff = (await s.get(Conversation, cid)).handoff_at

    # Only the holder (or a supervisor) may release it.
    resp = await resad.post(f"/console/inbox/{cid}/release", json={"note": "x"}, headers=resad_h)
    assert resp.status == 403 and (await resp.json())["error"] == "not_yours"
    resp = await aysel.post(f"/console/inbox/{cid}/release", json={"note": "n" * 501}, headers=aysel_h)
    assert resp.status == 422 and (await resp.json())["field"] == "note"

    resp = await aysel.post(f"/console/inbox/{cid}/release",
                            json={"note": "Vətəndaş ünvan məsələsini soruşur"}, headers=aysel_h)
    assert resp.status == 200 and (await resp.json())["ok"] is True
    async with sessionmaker() as s:
        conv = await s.get(Conversation, cid)
        (t,) = (await s.scalars(select(ChatTransfer))).all()
    assert (conv.status, conv.assigned_to, conv.assigned_at) == ("pending", None, None)
    assert conv.handoff_at == handoff and conv.routed_at > handoff  # the SLA still counts from the hand-off
    assert (t.kind, t.from_user, t.to_user, t.note) == ("queue", aysel_id, None, "Vətəndaş ünvan məsələsini soruşur")
    assert (await citizen_texts(citizens, v))[-1] == TRANSFERRED_AZ
    # Back in the queue, routed again: the skilled agent sees it first, the other not yet.
    assert queue_ids(await inbox_html(aysel)) == [cid]
    assert queue_ids(await inbox_html(resad)) == []
    (entry,) = await audit_rows(sessionmaker, "chat_transferred")
    assert (entry.object_type, entry.object_id, entry.actor_name) == ("conversation", str(cid), "aysel")
    assert entry.details["to"] == "queue" and entry.details["holder"] == aysel_id and entry.details["note"] is True
    assert "ünvan" not in str(entry.details)  # the note's text is never in the trail

    # A second release (the page was stale): nothing more happens.
    resp = await aysel.post(f"/console/inbox/{cid}/release", json={}, headers=aysel_h)
    assert resp.status == 409
    assert len(await audit_rows(sessionmaker, "chat_transferred")) == 1


async def test_transfer_to_a_named_available_agent_with_a_note(make_client, dead_rasa, sessionmaker, make_user):
    settings = dead_rasa
    citizens = await make_client(settings)
    await make_user("aysel", full_name="Aysel Məmmədova")
    resad_row = await make_user("resad", full_name="Rəşad Əliyev")
    leyla_row = await make_user("leyla", full_name="Leyla Həsənova")  # never signs in: offline
    aysel, aysel_h = await agent(make_client, settings, "aysel")
    resad, resad_h = await agent(make_client, settings, "resad")
    v = visitor()
    body = await say(citizens, v, "Здравствуйте, мне нужен оператор", language="ru")
    cid = body["conversation_id"]
    async with sessionmaker() as s:
        assert (await s.get(Conversation, cid)).language == "ru"
    assert (await aysel.post(f"/console/inbox/{cid}/claim", json={}, headers=aysel_h)).status == 200

    # The form offers the available colleagues only.
    html = await (await aysel.get(f"/console/inbox/{cid}")).text()
    assert f'value="user:{resad_row.id}"' in html and f'value="user:{leyla_row.id}"' not in html
    resp = await aysel.post(f"/console/inbox/{cid}/transfer", json={"target": f"user:{leyla_row.id}"},
                            headers=aysel_h)
    body = await resp.json()
    assert resp.status == 409 and body["error"] == "unavailable" and "hazır deyil" in body["message"]
    resp = await aysel.post(f"/console/inbox/{cid}/transfer", json={"target": "user:999999"}, headers=aysel_h)
    assert resp.status == 422 and (await resp.json())["field"] == "to_user"
    resp = await aysel.post(f"/console/inbox/{cid}/transfer", json={"target": ""}, headers=aysel_h)
    assert resp.status == 422 and (await resp.json())["field"] == "target"

    # The no-JavaScript path: a form post, once (a repeated submission id acts once).
    token = aysel_h["X-CSRF-Token"]
    form = {"csrf_token": token, "target": f"user:{resad_row.id}", "note": "Pensiya hesablanması, sənədlər hazırdır",
            "idempotency_key": "transfer-key-0001"}
    resp = await aysel.post(f"/console/inbox/{cid}/transfer", data=form, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/console/inbox"
    again = await aysel.post(f"/console/inbox/{cid}/transfer", data=form, allow_redirects=False)
    assert again.status == 303
    async with sessionmaker() as s:
        conv = await s.get(Conversation, cid)
        assert len((await s.scalars(select(ChatTransfer))).all()) == 1
    assert (conv.status, conv.assigned_to) == ("open", resad_row.id)
    assert len(await audit_rows(sessionmaker, "chat_transferred")) == 1

    # Rəşad has it in his own list, with the note; he may answer, Aysel no longer.
    html = await inbox_html(resad)
    assert cid in mine_ids(html) and "Pensiya hesablanması, sənədlər hazırdır" in html and "ötürülüb" in html
    page = await (await resad.get(f"/console/inbox/{cid}")).text()
    assert "Ötürmələr" in page and "Pensiya hesablanması, sənədlər hazırdır" in page
    assert (await resad.post(f"/console/inbox/{cid}/reply", json={"text": "Здравствуйте!"},
                             headers=resad_h)).status == 200
    resp = await aysel.post(f"/console/inbox/{cid}/reply", json={"text": "x"}, headers=aysel_h)
    assert resp.status == 403

    texts = await citizen_texts(citizens, v)
    assert TRANSFERRED_RU in texts and "Pensiya hesablanması" not in " ".join(texts)  # the note stays inside
    (entry,) = await audit_rows(sessionmaker, "chat_transferred")
    assert entry.details["to"] == "agent" and entry.details["to_user"] == resad_row.id


async def test_transfer_to_a_direction_routes_it_to_that_skill(make_client, dead_rasa, sessionmaker, make_user):
    settings = dead_rasa.with_(chat_routing_fallback_seconds=60)
    citizens = await make_client(settings)
    await make_user("aysel")
    await make_user("resad")
    await make_user("leyla")
    await skilled(sessionmaker, "leyla", "employment")
    aysel, aysel_h = await agent(make_client, settings, "aysel")
    resad, _ = await agent(make_client, settings, "resad")
    leyla, leyla_h = await agent(make_client, settings, "leyla")
    v, cid = await waiting_chat(citizens, sessionmaker, direction=None)
    await in_queue_since(sessionmaker, cid, 600)
    assert (await aysel.post(f"/console/inbox/{cid}/claim", json={}, headers=aysel_h)).status == 200

    resp = await aysel.post(f"/console/inbox/{cid}/transfer", json={"target": "direction:nope"}, headers=aysel_h)
    assert resp.status == 422 and (await resp.json())["field"] == "direction"
    resp = await aysel.post(f"/console/inbox/{cid}/transfer",
                            json={"target": "direction:employment", "note": "İşsizlik müavinəti"}, headers=aysel_h)
    assert resp.status == 200
    async with sessionmaker() as s:
        conv = await s.get(Conversation, cid)
    assert (conv.status, conv.direction, conv.assigned_to) == ("pending", "employment", None)
    assert queue_ids(await inbox_html(leyla)) == [cid]
    assert queue_ids(await inbox_html(resad)) == []
    assert queue_ids(await inbox_html(aysel)) == []
    assert (await leyla.post(f"/console/inbox/{cid}/claim", json={}, headers=leyla_h)).status == 200
    assert (await citizen_texts(citizens, v))[-2] == TRANSFERRED_AZ  # then "Leyla söhbətə qoşuldu."
    (entry,) = await audit_rows(sessionmaker, "chat_transferred")
    assert entry.details["to"] == "direction" and entry.details["direction"] == "employment"


async def test_the_transferred_line_goes_out_through_facebook_in_the_conversation_language(
    make_client, sessionmaker, dead_rasa, make_actor
):
    await make_client(dead_rasa)  # a running backend: the Meta senders are registered
    aysel = await make_actor()
    async with sessionmaker.begin() as s:
        conv = Conversation(channel="facebook", contact_id="psid-routing-1", account_id="page-1", status="open",
                            assigned_to=aysel.id, assigned_at=datetime.now(UTC), handoff_at=datetime.now(UTC),
                            last_citizen_message_at=datetime.now(UTC), language="ru")  # Meta's window is open
        s.add(conv)
        await s.flush()
        cid = conv.id
    async with sessionmaker.begin() as s:
        await transfer.release(s, dead_rasa, cid, aysel, audit_actor=AuditActor.user(aysel.id, "user"))
    async with sessionmaker() as s:
        (item,) = (await s.scalars(select(OutboxItem))).all()
    assert item.recipient_id == "psid-routing-1" and TRANSFERRED_RU in str(item.body)


async def test_admin_edits_skills_on_the_user_form_audited(make_client, dead_rasa, sessionmaker, make_user):
    client = await make_client(dead_rasa)
    await make_user("admin", role="admin", full_name="Admin Adminov")
    target = await make_user("aysel", full_name="Aysel Məmmədova")
    await login(client, "admin")
    page = await client.get(f"/console/admin/users/{target.id}")
    html = await page.text()
    assert 'name="skills" value="social_protection"' in html
    token = csrf_from(html)
    form = {"csrf_token": token, "full_name": "Aysel Məmmədova", "extension": "", "role": "agent", "active": "1",
            "skills_shown": "1"}
    resp = await client.post(f"/console/admin/users/{target.id}", allow_redirects=False,
                             data=[*form.items(), ("skills", "social_protection"), ("skills", "employment")])
    assert resp.status == 303
    html = await (await client.get(f"/console/admin/users/{target.id}")).text()
    assert re.search(r'value="employment" checked', html) and not re.search(r'value="vem" checked', html)
    async with sessionmaker() as s:
        held = sorted(await s.scalars(select(UserSkill.direction).where(UserSkill.user_id == target.id)))
    assert held == ["employment", "social_protection"]
    (entry,) = [e for e in await audit_rows(sessionmaker, "user_changed") if "skills" in e.details["changed"]]
    assert entry.details["changed"]["skills"] == {"before": [], "after": ["employment", "social_protection"]}
    assert entry.object_id == str(target.id) and entry.actor_name == "admin"
    users_page = await (await client.get("/console/admin/users")).text()
    assert re.search(r'class="skills-cell">[^<]*Sosial', users_page)  # the list shows who serves what

    # An unknown direction: refused, and nothing of the form is written (the role neither).
    resp = await client.post(f"/console/admin/users/{target.id}",
                             data=[*{**form, "role": "supervisor"}.items(), ("skills", "astrology")])
    assert resp.status == 422 and "Naməlum" in await resp.text()
    async with sessionmaker() as s:
        user = await s.get(User, target.id)
        held = sorted(await s.scalars(select(UserSkill.direction).where(UserSkill.user_id == target.id)))
    assert user.role == "agent" and held == ["employment", "social_protection"]

    # Unticking all: no skills.
    resp = await client.post(f"/console/admin/users/{target.id}", data=form, allow_redirects=False)
    assert resp.status == 303
    async with sessionmaker() as s:
        assert (await s.scalars(select(UserSkill).where(UserSkill.user_id == target.id))).all() == []


async def test_a_supervisor_may_release_anyones_chat(make_client, dead_rasa, sessionmaker, make_user):
    settings = dead_rasa
    citizens = await make_client(settings)
    await make_user("aysel")
    await make_user("boss", role="supervisor")
    aysel, aysel_h = await agent(make_client, settings, "aysel")
    boss, boss_h = await agent(make_client, settings, "boss")
    _, cid = await waiting_chat(citizens, sessionmaker, direction=None)
    assert (await aysel.post(f"/console/inbox/{cid}/claim", json={}, headers=aysel_h)).status == 200
    resp = await boss.post(f"/console/inbox/{cid}/release", json={"note": "Növbəyə"}, headers=boss_h)
    assert resp.status == 200
    async with sessionmaker() as s:
        conv = await s.get(Conversation, cid)
    assert (conv.status, conv.assigned_to) == ("pending", None)
    (entry,) = await audit_rows(sessionmaker, "chat_transferred")
    assert entry.actor_name == "boss" and entry.details["to"] == "queue"


async def test_transfer_notes_fall_under_chat_retention(make_client, dead_rasa, sessionmaker, make_actor):
    aysel = await make_actor()
    citizens = await make_client(dead_rasa)
    _, cid = await waiting_chat(citizens, sessionmaker, direction=None)
    async with sessionmaker.begin() as s:
        await s.execute(update(Conversation).where(Conversation.id == cid).values(
            status="open", assigned_to=aysel.id))
    async with sessionmaker.begin() as s:
        await transfer.release(s, dead_rasa, cid, aysel, note="Vətəndaş Günel, Nizami küç. 5",
                               audit_actor=AuditActor.user(aysel.id, "user"))
    async with sessionmaker.begin() as s:  # a year and a day later
        await s.execute(update(ChatTransfer).values(created_at=datetime.now(UTC) - timedelta(days=366)))
    settings = dead_rasa.with_(pseudonym_key="test-pseudonym-key-0123456789abcdef", retention_chat_days=365)
    result = await retention.apply(sessionmaker, settings)
    assert result.counts["chat_transfers: note -> marker"] == 1
    async with sessionmaker() as s:
        (t,) = (await s.scalars(select(ChatTransfer))).all()
    assert t.note == retention.MARKER and t.kind == "queue"


async def test_odd_transfer_targets_are_clear_422s(make_client, dead_rasa, sessionmaker, make_user):
    citizens = await make_client(dead_rasa)
    await make_user("aysel")
    aysel, aysel_h = await agent(make_client, dead_rasa, "aysel")
    _, cid = await waiting_chat(citizens, sessionmaker, direction=None)
    assert (await aysel.post(f"/console/inbox/{cid}/claim", json={}, headers=aysel_h)).status == 200
    for target in ("direction:employ\x00ment", "direction:" + "x" * 300, "user:12345678901234567890", "user:",
                   "queue", "user:-1"):
        resp = await aysel.post(f"/console/inbox/{cid}/transfer", json={"target": target, "note": "a\x00b"},
                                headers=aysel_h)
        assert resp.status == 422, (target, resp.status)
    async with sessionmaker() as s:
        conv = await s.get(Conversation, cid)
        assert (await s.scalars(select(ChatTransfer))).all() == []
    assert conv.status == "open"  # nothing half-written

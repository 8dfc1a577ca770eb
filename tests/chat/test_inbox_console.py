"""The chat inbox in the console, over HTTP with real sign-ins."""

from __future__ import annotations

import re

from sqlalchemy import select

from contact_center.db.models import CannedResponse, Conversation, Message
from tests.chat.conftest import say, visitor
from tests.plugins.console import login


async def test_agent_works_a_conversation_from_the_inbox(make_client, dead_rasa, sessionmaker, make_user):
    client = await make_client(dead_rasa)
    await make_user("aysel", full_name="Aysel Məmmədova")
    async with sessionmaker.begin() as s:
        s.add(CannedResponse(title="Salamlama", text="Salam! 142 əlaqə mərkəzi, sizə necə kömək edə bilərəm?"))
    v = visitor()
    first = await say(client, v, "Salam, pensiyam gecikir")
    other = await say(client, visitor(), "Kömək edin, təcili")
    async with sessionmaker.begin() as s:
        (await s.get(Conversation, other["conversation_id"])).urgent = True

    token = await login(client, "aysel")
    page = await client.get("/console/inbox")
    html = await page.text()
    assert page.status == 200
    # Urgent first, then by waiting time.
    order = [int(n) for n in re.findall(r'data-conversation="(\d+)"', html)]
    assert order[:2] == [other["conversation_id"], first["conversation_id"]]
    assert "Salam, pensiyam gecikir" in html and "TƏCİLİ" in html

    cid = first["conversation_id"]
    resp = await client.post(f"/console/inbox/{cid}/claim", data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/console/inbox/{cid}"
    page = await client.get(f"/console/inbox/{cid}")
    html = await page.text()
    assert "Salam, pensiyam gecikir" in html and "Hazır cavab" in html
    assert "Aysel söhbətə qoşuldu." in html  # what the citizen was told

    # Reply with the canned response (the no-JavaScript path: empty text + chosen canned id).
    canned_id = re.search(r'<option value="(\d+)" data-text=', html).group(1)
    resp = await client.post(f"/console/inbox/{cid}/reply", data={"csrf_token": token, "text": "", "canned": canned_id},
                             allow_redirects=False)
    assert resp.status == 303
    # The JavaScript path: JSON with the CSRF header.
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    resp = await client.post(f"/console/inbox/{cid}/reply", json={"text": "Pensiya məsələsini yoxlayıram."}, headers=headers)
    assert resp.status == 200 and (await resp.json())["ok"] is True
    resp = await client.post(f"/console/inbox/{cid}/reply", json={"text": "  "}, headers=headers)
    assert resp.status == 422 and (await resp.json())["field"] == "text"
    resp = await client.post(f"/console/inbox/{cid}/note", json={"text": "DOST Xətai ilə əlaqə saxlanılmalıdır"},
                             headers=headers)
    assert resp.status == 200
    # Without the CSRF token: refused.
    resp = await client.post(f"/console/inbox/{cid}/reply", json={"text": "x"}, headers={"Accept": "application/json"})
    assert resp.status == 403

    history = await (await client.get("/api/v1/chat/history", headers={"X-Visitor-Id": v})).json()
    citizen_sees = [m["text"] for m in history["messages"]]
    assert "Salam! 142 əlaqə mərkəzi, sizə necə kömək edə bilərəm?" in citizen_sees
    assert "Pensiya məsələsini yoxlayıram." in citizen_sees
    assert not any("DOST Xətai" in t for t in citizen_sees)

    resp = await client.post(f"/console/inbox/{cid}/resolve", data={"csrf_token": token, "outcome": "",
                                                                  "direction": "social_protection"})
    assert "Nəticəni seçin." in await resp.text()
    resp = await client.post(f"/console/inbox/{cid}/resolve", allow_redirects=False, data={
        "csrf_token": token, "outcome": "fully_answered", "direction": "social_protection", "district": "baku_xetai"})
    assert resp.status == 303 and resp.headers["Location"] == "/console/inbox"
    async with sessionmaker() as s:
        conv = await s.get(Conversation, cid)
        notes = (await s.scalars(select(Message).where(Message.kind == "note"))).all()
    assert (conv.status, conv.outcome, conv.direction, conv.district) == (
        "resolved", "fully_answered", "social_protection", "baku_xetai")
    assert [n.delivery_status for n in notes] == [None]


async def test_a_claimed_conversation_is_not_anyone_elses(make_client, dead_rasa, make_user):
    client = await make_client(dead_rasa)
    await make_user("aysel")
    await make_user("resad")
    cid = (await say(client, visitor(), "Salam"))["conversation_id"]
    token = await login(client, "aysel")
    await client.post(f"/console/inbox/{cid}/claim", data={"csrf_token": token})
    client.session.cookie_jar.clear()
    token = await login(client, "resad")
    resp = await client.post(f"/console/inbox/{cid}/claim", data={"csrf_token": token})
    assert resp.status == 200 and resp.url.path == "/console/inbox"
    assert "Bu söhbəti artıq başqa operator götürüb." in await resp.text()
    assert (await client.get(f"/console/inbox/{cid}")).status == 404
    resp = await client.post(f"/console/inbox/{cid}/reply", json={"text": "Salam"},
                             headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert resp.status == 403 and (await resp.json())["error"] == "not_yours"

"""Nothing doubled from the console (issue 13): a form's submission id acts once."""

from __future__ import annotations

import asyncio
import secrets
import uuid

from playwright.async_api import Browser, expect
from sqlalchemy import func, select

from contact_center.db.models import Message
from tests.plugins.backend import free_port
from tests.plugins.browser import VIEWPORT, ConsoleServer, sign_in
from tests.plugins.console import login


def _dead_bot(settings):
    return settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=1.0)


async def _claimed_conversation(client, token: str) -> int:
    resp = await client.post("/api/v1/chat/messages",
                              json={"visitor_id": "v-" + secrets.token_hex(12), "text": "Salam, pensiyam gecikir"})
    cid = (await resp.json())["conversation_id"]
    resp = await client.post(f"/console/inbox/{cid}/claim", data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303
    return cid


async def _agent_texts(sessionmaker, cid: int) -> list[str]:
    async with sessionmaker() as s:
        return list((await s.scalars(select(Message.text).where(
            Message.conversation_id == cid, Message.sender == "agent"))).all())


async def test_a_repeated_reply_is_stored_once(make_client, settings, sessionmaker, make_user):
    client = await make_client(_dead_bot(settings))
    await make_user("aysel", full_name="Aysel Məmmədova")
    token = await login(client, "aysel")
    cid = await _claimed_conversation(client, token)
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    key = uuid.uuid4().hex
    body = {"text": "Yoxlayıram.", "idempotency_key": key}
    # At the same moment (double click) and once more afterwards (a retry).
    first, second = await asyncio.gather(
        client.post(f"/console/inbox/{cid}/reply", json=body, headers=headers),
        client.post(f"/console/inbox/{cid}/reply", json=body, headers=headers),
    )
    third = await client.post(f"/console/inbox/{cid}/reply", json=body, headers=headers)
    for resp in (first, second, third):
        assert resp.status == 200 and (await resp.json())["ok"] is True
    assert sum([bool((await r.json()).get("duplicate")) for r in (first, second, third)]) == 2
    assert await _agent_texts(sessionmaker, cid) == ["Yoxlayıram."]
    # A new id is a new message.
    resp = await client.post(f"/console/inbox/{cid}/reply", json={**body, "idempotency_key": uuid.uuid4().hex},
                             headers=headers)
    assert resp.status == 200
    assert await _agent_texts(sessionmaker, cid) == ["Yoxlayıram.", "Yoxlayıram."]


async def test_a_repeated_form_post_redirects_like_the_first(make_client, settings, sessionmaker, make_user):
    client = await make_client(_dead_bot(settings))
    await make_user("aysel", full_name="Aysel Məmmədova")
    token = await login(client, "aysel")
    cid = await _claimed_conversation(client, token)
    form = {"csrf_token": token, "text": "Qeyd", "idempotency_key": uuid.uuid4().hex}
    first = await client.post(f"/console/inbox/{cid}/note", data=form, allow_redirects=False)
    second = await client.post(f"/console/inbox/{cid}/note", data=form, allow_redirects=False)
    assert first.status == second.status == 303
    assert second.headers["Location"] == first.headers["Location"]
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Message).where(
            Message.conversation_id == cid, Message.kind == "note", Message.text == "Qeyd")) == 1


async def test_a_failed_action_gives_its_id_back(make_client, settings, sessionmaker, make_user):
    client = await make_client(_dead_bot(settings))
    await make_user("aysel", full_name="Aysel Məmmədova")
    token = await login(client, "aysel")
    cid = await _claimed_conversation(client, token)
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    key = uuid.uuid4().hex
    empty = await client.post(f"/console/inbox/{cid}/reply", json={"text": " ", "idempotency_key": key},
                              headers=headers)
    assert empty.status == 422
    resp = await client.post(f"/console/inbox/{cid}/reply", json={"text": "İndi düzgün", "idempotency_key": key},
                             headers=headers)
    assert resp.status == 200 and not (await resp.json()).get("duplicate")
    assert await _agent_texts(sessionmaker, cid) == ["İndi düzgün"]


async def test_ctrl_enter_and_a_double_click_send_one_message_each(browser: Browser, settings, db, sessionmaker,
                                                                   make_user):
    server = ConsoleServer(_dead_bot(settings))
    await server.start()
    context = await browser.new_context(viewport=VIEWPORT, locale="az-AZ", timezone_id="Asia/Baku")
    try:
        await make_user("aysel", full_name="Aysel Məmmədova")
        page = await context.new_page()
        await sign_in(page, server.url, "aysel")
        resp = await page.request.post(server.url + "/api/v1/chat/messages", data={
            "visitor_id": "v-" + secrets.token_hex(12), "text": "Salam, pensiyam gecikir"})
        cid = (await resp.json())["conversation_id"]
        await page.goto(f"{server.url}/console/inbox/{cid}")
        await page.get_by_role("button", name="Götür").first.click()
        await page.wait_for_url(f"{server.url}/console/inbox/{cid}")

        box = page.locator("#reply-text")
        await box.fill("Birinci cavab")
        await box.press("Control+Enter")
        await expect(page.locator("#transcript").get_by_text("Birinci cavab")).to_be_visible()
        await expect(box).to_have_value("")

        await box.fill("İkinci cavab")
        await page.locator("#reply-send").dblclick()
        await expect(page.locator("#transcript").get_by_text("İkinci cavab")).to_be_visible()
        await expect(box).to_have_value("")
        await page.wait_for_load_state("networkidle")
        assert await _agent_texts(sessionmaker, cid) == ["Birinci cavab", "İkinci cavab"]
    finally:
        await context.close()
        await server.stop()

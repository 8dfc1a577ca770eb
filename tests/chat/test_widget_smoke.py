from __future__ import annotations

from aiohttp import web

from contact_center.services import inbox
from contact_center.services.conversations import TEXT_BOT_UNAVAILABLE
from tests.chat.browser import chromium  # noqa: F401


async def test_widget_smoke(make_client, dead_rasa, sessionmaker, make_actor, chromium, aiohttp_server):
    client = await make_client(dead_rasa)
    backend = str(client.make_url("")).rstrip("/")
    host = web.Application()

    async def page(_r):
        return web.Response(text=f'<!doctype html><title>Host</title><h1>Sayt</h1><script src="{backend}/chat/widget.js" async></script>', content_type="text/html")

    host.router.add_get("/", page)
    site = await aiohttp_server(host)
    ctx = await chromium.new_context()
    p = await ctx.new_page()
    p.on("console", lambda m: print("CONSOLE", m.text))
    await p.goto(str(site.make_url("/")))
    await p.get_by_role("button", name="142 onlayn çat").click()
    frame = p.frame_locator("iframe[title='142 onlayn çat']")
    await frame.get_by_placeholder("Mesajınızı yazın…").fill("Salam, pensiya")
    await frame.get_by_role("button", name="Göndər").click()
    await frame.get_by_text(TEXT_BOT_UNAVAILABLE).wait_for()
    await p.screenshot(path="/tmp/chat-widget-1.png")
    await p.reload()
    await p.get_by_role("button", name="142 onlayn çat").wait_for()
    frame = p.frame_locator("iframe[title='142 onlayn çat']")
    await frame.get_by_text("Salam, pensiya").wait_for()
    agent = await make_actor()
    async with sessionmaker() as s:
        q = await inbox.pending_queue(s)
    async with sessionmaker.begin() as s:
        await inbox.claim(s, dead_rasa, q[0].id, agent)
        await inbox.reply(s, dead_rasa, q[0].id, agent, "Salam, mən Ayselәm")
    await frame.get_by_text("Aysel söhbətə qoşuldu.").wait_for()
    await frame.get_by_text("Salam, mən Ayselәm").wait_for()
    async with sessionmaker.begin() as s:
        await inbox.resolve(s, dead_rasa, q[0].id, agent, outcome="fully_answered")
    await frame.get_by_role("button", name="4 ulduz").click()
    await frame.get_by_text("Qiymətləndirməniz üçün").wait_for()
    await p.screenshot(path="/tmp/chat-widget-2.png")
    await ctx.close()

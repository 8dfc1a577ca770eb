"""The bot's callback form takes its districts from the backend's reference data
(GET /api/v1/reference/districts, the list admins edit), not the shipped JSON:
an admin's edit reaches the bot with no retraining, and the action server
still needs no database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select

from contact_center.db.models import Callback
from tests.chat.conftest import visitor
from tests.plugins.browser import ConsoleServer
from tests.plugins.console import csrf_from, login_http


@pytest.fixture
async def backend_for_the_bot(settings, rasa_server, db) -> AsyncIterator[ConsoleServer]:
    """The backend on the port where the bot's action server looks for the district list."""
    assert rasa_server.backend_port, "the bot was started without a backend port"
    server = ConsoleServer(settings.with_(rasa_url=rasa_server.url, rasa_timeout_seconds=30.0))
    server.port, server.url = rasa_server.backend_port, f"http://127.0.0.1:{rasa_server.backend_port}"
    await server.start()
    yield server
    await server.stop()


async def test_the_api_lists_the_active_districts(client, restore_reference, sessionmaker):
    body = await (await client.get("/api/v1/reference/districts")).json()
    codes = [d["code"] for d in body["districts"]]
    assert "qusar" in codes and "baku_yasamal" in codes
    qusar = next(d for d in body["districts"] if d["code"] == "qusar")
    assert qusar == {"code": "qusar", "label": "Qusar rayonu", "short_name": "Qusar", "kind": "rayon",
                     "area": "region"}


async def _set_district(http, base: str, code: str, *, label: str, active: bool) -> None:
    async with http.get(base + "/console/admin/reference", params={"kind": "districts"}) as page:
        token = csrf_from(await page.text())
    data = {"csrf_token": token, "label": label, "sort_order": "0"} | ({"active": "1"} if active else {})
    async with http.post(f"{base}/console/admin/reference/districts/{code}", data=data,
                         allow_redirects=False) as resp:
        assert resp.status == 303, await resp.text()


async def test_an_admins_district_edit_reaches_the_bots_callback_form(
    backend_for_the_bot, make_user, restore_reference, sessionmaker
):
    base = backend_for_the_bot.url
    await make_user("admin1", role="admin")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await login_http(http, base, "admin1")
        await _set_district(http, base, "qusar", label="Qusar rayonu", active=False)

        async def say_http(v: str, text: str) -> dict:
            async with http.post(base + "/api/v1/chat/messages", json={"visitor_id": v, "text": text}) as resp:
                assert resp.status == 200, await resp.text()
                return await resp.json()

        v = visitor()
        await say_http(v, "Zəng sifariş etmək istəyirəm")
        asked = await say_http(v, "050 123 45 67")
        assert any("Hansı rayon" in r["text"] for r in asked["replies"])
        refused = await say_http(v, "Qusar")
        assert any("Bu adda rayon və ya şəhər tapa bilmədim" in r["text"] for r in refused["replies"])

        # The admin puts it back under a new name: the bot knows it at once, by that name.
        await _set_district(http, base, "qusar", label="Qusar rayonu (Şimal)", active=True)
        confirm = await say_http(v, "Qusar rayonunda yaşayıram")  # not the same words: a repeat is frustration
        assert confirm["status"] == "bot", confirm
        assert any("ərazi: Qusar rayonu (Şimal)" in r["text"] for r in confirm["replies"]), confirm
        done = await say_http(v, "Bəli")
    assert done["status"] == "bot", [r["text"] for r in done["replies"]]
    async with sessionmaker() as s:
        callback = (await s.scalars(select(Callback))).one()
    assert callback.district == "qusar" and callback.source == "bot"


def _actions_districts():
    import sys
    from pathlib import Path

    bot_dir = str(Path(__file__).resolve().parents[2] / "chatbot")
    if bot_dir not in sys.path:
        sys.path.append(bot_dir)  # the action server runs with cwd=chatbot/
    import actions.districts

    return actions.districts


async def test_the_action_server_reads_the_backends_list_and_falls_back(client, restore_reference, sessionmaker,
                                                                          monkeypatch):
    """The action server's side, in-process: the list from the backend (Russian names
    kept from the shipped list by code), then the last list when the backend is gone."""
    import asyncio

    from sqlalchemy import update

    from contact_center.db.models import District

    districts = _actions_districts()
    async with sessionmaker.begin() as s:
        await s.execute(update(District).where(District.code == "quba").values(active=False))
        await s.execute(update(District).where(District.code == "qusar").values(label="Qusar rayonu (Şimal)"))
    monkeypatch.setenv("CC142_BACKEND_URL", str(client.make_url("")))
    monkeypatch.setenv("CC142_DISTRICTS_TTL_SECONDS", "0")
    monkeypatch.setitem(districts._fetched, "at", None)
    monkeypatch.setitem(districts._fetched, "districts", None)
    current = await asyncio.to_thread(districts.current_districts)
    codes = {d.code for d in current}
    assert "quba" not in codes and "qusar" in codes
    qusar = next(d for d in current if d.code == "qusar")
    assert qusar.name == "Qusar rayonu (Şimal)" and qusar.name_ru == districts.BY_CODE["qusar"].name_ru
    assert [d.code for d in await asyncio.to_thread(districts.match_districts, "в Гусарском районе")] == ["qusar"]
    assert await asyncio.to_thread(districts.match_districts, "Quba") == []

    # The backend unreachable: the last list fetched, not the shipped one.
    from tests.plugins.backend import free_port

    monkeypatch.setenv("CC142_BACKEND_URL", f"http://127.0.0.1:{free_port()}")
    again = await asyncio.to_thread(districts.current_districts)
    assert "quba" not in {d.code for d in again}
    # Never configured: the shipped list.
    monkeypatch.delenv("CC142_BACKEND_URL")
    assert "quba" in {d.code for d in districts.current_districts()}

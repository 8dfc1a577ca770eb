"""Console page "Bilik bazası": supervisors list, search, preview and edit;
agents read only (no form, a POST is 403); an edit without a valid source is
refused on save; a saved edit is audited (kb_changed) and live for the bot."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from contact_center.db.models import AuditEntry, KnowledgeEntry
from contact_center.knowledge import answers
from contact_center.knowledge.entries import render
from tests.plugins.console import csrf_from, login

SHIPPED = {a["key"]: a for a in answers()}
KEY = "social_protection/pension"


async def _form(client, key=KEY) -> dict[str, str]:
    page = await client.get(f"/console/knowledge/{key}")
    assert page.status == 200
    html = await page.text()
    data = {"csrf_token": csrf_from(html),
            "version": re.search(r'name="version" value="(\d+)"', html).group(1)}
    for name, value in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(value)
    for name, block in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', block)
        data[name] = chosen.group(1) if chosen else ""
    if 'name="generic" value="1" checked' in html:
        data["generic"] = "1"
    return data


async def test_supervisor_lists_and_searches(client, make_user):
    await make_user("nigar", role="supervisor")
    await login(client, "nigar")
    page = await (await client.get("/console/knowledge")).text()
    assert "Bilik bazası" in page and all(k in page for k in ("vem/car", "greet", KEY))
    found = await (await client.get("/console/knowledge", params={"q": "пенси"})).text()
    assert KEY in found and "vem/car" not in found
    by_direction = await (await client.get("/console/knowledge", params={"direction": "vem"})).text()
    assert "vem/car" in by_direction and KEY not in by_direction


async def test_the_source_is_shown_next_to_the_text(client, make_user):
    await make_user("nigar", role="supervisor")
    await login(client, "nigar")
    html = unescape(await (await client.get(f"/console/knowledge/{KEY}")).text())
    source = SHIPPED[KEY]["sources"][0]
    assert source["sentence"] in html and source["claim"] in html
    assert SHIPPED[KEY]["text"]["ru"] in html


async def test_edit_preview_then_save_is_audited_and_live(client, make_user, sessionmaker):
    await make_user("nigar", role="supervisor")
    await login(client, "nigar")
    data = await _form(client)
    data["text-ru"] = SHIPPED[KEY]["text"]["ru"] + " Телефон: 142."
    preview = await client.post(f"/console/knowledge/{KEY}", data={**data, "preview": "1"})
    assert preview.status == 200 and "Önizləmə" in await preview.text()
    assert "Телефон: 142." in unescape(await preview.text())
    async with sessionmaker() as s:
        assert (await render(s, KEY, "ru")).text == SHIPPED[KEY]["text"]["ru"]  # a preview saves nothing
    saved = await client.post(f"/console/knowledge/{KEY}", data={**data, "save": "1"}, allow_redirects=False)
    assert saved.status == 303
    async with sessionmaker() as s:
        assert (await render(s, KEY, "ru")).text == data["text-ru"]
        trail = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "kb_changed"))).all()
    assert [(t.actor_name, t.object_id, t.details["changed"]) for t in trail] == [("nigar", KEY, ["text.ru"])]
    listed = await (await client.get("/console/knowledge")).text()
    assert "nigar" in listed


async def test_a_save_without_a_valid_source_is_refused(client, make_user, sessionmaker):
    await make_user("nigar", role="supervisor")
    await login(client, "nigar")
    data = await _form(client)
    data["sentence-0"] = "Pensiyalar hər gün ödənilir."
    refused = await client.post(f"/console/knowledge/{KEY}", data=data)
    assert refused.status == 422
    assert "sənədində yoxdur" in await refused.text()
    data = await _form(client)
    for n in range(10):
        for field in ("claim", "document", "sentence"):
            data.pop(f"{field}-{n}", None)
            data[f"{field}-{n}"] = ""
    refused = await client.post(f"/console/knowledge/{KEY}", data=data)
    assert refused.status == 422 and "ən azı bir mənbəyi" in await refused.text()
    async with sessionmaker() as s:
        entry = await s.get(KnowledgeEntry, KEY)
        trail = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "kb_changed"))).all()
    assert entry.version == 1 and entry.sources == SHIPPED[KEY]["sources"] and trail == []


async def test_agents_read_but_cannot_edit(client, make_user, sessionmaker):
    await make_user("aysel", role="agent")
    token = await login(client, "aysel")
    page = await client.get(f"/console/knowledge/{KEY}")
    html = await page.text()
    assert page.status == 200 and "<textarea" not in html and "Saxla" not in html
    resp = await client.post(f"/console/knowledge/{KEY}", data={
        "csrf_token": token, "version": "1", "text-az": "x", "text-ru": "y", "generic": "1"})
    assert resp.status == 403
    async with sessionmaker() as s:
        assert (await render(s, KEY, "az")).text == SHIPPED[KEY]["text"]["az"]


async def test_unknown_key_is_404(client, make_user):
    await make_user("nigar", role="supervisor")
    await login(client, "nigar")
    assert (await client.get("/console/knowledge/no/such_key")).status == 404


async def test_history_shows_a_diff_and_a_revert_is_audited_and_live(client, make_user, sessionmaker):
    await make_user("nigar", role="supervisor")
    await login(client, "nigar")
    first = await _form(client)
    first["text-az"] = SHIPPED[KEY]["text"]["az"].replace("142-yə zəng edin", "142 nömrəsinə zəng edin")
    assert (await client.post(f"/console/knowledge/{KEY}", data=first, allow_redirects=False)).status == 303
    page = await (await client.get(f"/console/knowledge/{KEY}")).text()
    assert "Versiya 2 · nigar" in page and "Versiya 1 · ilkin mətn" in page
    assert "<del>142-yə</del>" in page and "<ins>142 nömrəsinə</ins>" in page
    token = csrf_from(page)
    reverted = await client.post(f"/console/knowledge/{KEY}/revert",
                                 data={"csrf_token": token, "version": "2", "to_version": "1"}, allow_redirects=False)
    assert reverted.status == 303
    async with sessionmaker() as s:
        assert (await render(s, KEY, "az")).text == SHIPPED[KEY]["text"]["az"]
        entry = await s.get(KnowledgeEntry, KEY)
        trail = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "kb_changed")
                                 .order_by(AuditEntry.id))).all()
    assert entry.version == 3
    assert [t.details.get("reverted_to") for t in trail] == [None, 1]
    stale = await client.post(f"/console/knowledge/{KEY}/revert",
                              data={"csrf_token": token, "version": "2", "to_version": "2"})
    assert stale.status == 422 and "başqası dəyişib" in await stale.text()

"""The knowledge base in PostgreSQL: seeded from the shipped JSON by the
migrations, the source test on every seeded entry, supervisors' edits
(checked, versioned, audited) and a later release never overwriting them."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from contact_center import audit
from contact_center.db.models import AuditEntry, KnowledgeEntry
from contact_center.knowledge import answers, knowledge_base
from contact_center.knowledge.entries import EntryForm, render, save_entry, sync_shipped
from contact_center.knowledge.sources import source_errors

SHIPPED = {a["key"]: a for a in answers()}
EDITOR = audit.Actor.user(7, "nigar")


def form_of(entry: KnowledgeEntry, **changes) -> EntryForm:
    values = {"text": dict(entry.text), "sources": [dict(s) for s in entry.sources], "generic": entry.generic,
              "version": entry.version}
    values.update(changes)
    return EntryForm(**values)


async def test_every_shipped_answer_is_seeded(sessionmaker, db):
    async with sessionmaker() as s:
        rows = {e.key: e for e in (await s.scalars(select(KnowledgeEntry))).all()}
    assert set(rows) == set(SHIPPED)
    pension = rows["social_protection/pension"]
    assert pension.text == SHIPPED["social_protection/pension"]["text"]
    assert pension.direction == "social_protection" and pension.version >= 1 and pension.updated_by is None
    assert [b["title"]["ru"] for b in pension.buttons] == ["Связаться с оператором", "Заказать обратный звонок"]
    assert rows["greet"].generic and rows["greet"].sources == []


async def test_every_seeded_entry_passes_the_source_test(sessionmaker, db):
    """The same check the console applies on save: a non-generic entry cites a
    sentence that occurs in its document under chatbot/sources/."""
    async with sessionmaker() as s:
        entries = (await s.scalars(select(KnowledgeEntry))).all()
    problems = {e.key: errs for e in entries if (errs := source_errors(e.text["az"], e.sources, e.generic))}
    assert problems == {}
    assert sum(1 for e in entries if not e.generic) >= 30


async def test_render_in_the_conversations_language(sessionmaker, db):
    async with sessionmaker() as s:
        ru = await render(s, "general/call_centre", "ru")
        az = await render(s, "general/call_centre", "az")
        unknown = await render(s, "no/such_key", "az")
    assert ru.text == SHIPPED["general/call_centre"]["text"]["ru"]
    assert az.text == SHIPPED["general/call_centre"]["text"]["az"]
    assert unknown is None
    pension = await _render(sessionmaker, "social_protection/pension", "ru")
    assert pension.buttons == [{"title": "Связаться с оператором", "payload": "/request_human"},
                               {"title": "Заказать обратный звонок", "payload": "/request_callback"}]


async def _render(sessionmaker, key, lang):
    async with sessionmaker() as s:
        return await render(s, key, lang)


async def test_an_edit_is_saved_versioned_and_audited_in_one_transaction(sessionmaker, db):
    async with sessionmaker.begin() as s:
        entry = await s.get(KnowledgeEntry, "general/call_centre")
        new_ru, version = entry.text["ru"] + " Звонок бесплатный.", entry.version
        result = await save_entry(s, EDITOR, "general/call_centre",
                                  form_of(entry, text={"az": entry.text["az"], "ru": new_ru}), address="10.0.0.5")
        assert result.errors == []
    async with sessionmaker() as s:
        saved = await s.get(KnowledgeEntry, "general/call_centre")
        trail = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "kb_changed"))).all()
    assert saved.text["ru"] == new_ru and saved.version == version + 1
    assert (saved.updated_by, saved.updated_by_name) == (7, "nigar")
    assert [(t.object_id, t.actor_name, t.address, t.details["changed"]) for t in trail] == [
        ("general/call_centre", "nigar", "10.0.0.5", ["text.ru"])]
    assert (await _render(sessionmaker, "general/call_centre", "ru")).text == new_ru


async def test_a_failed_audit_undoes_the_edit(sessionmaker, db, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        async with sessionmaker.begin() as s:
            entry = await s.get(KnowledgeEntry, "greet")
            await save_entry(s, EDITOR, "greet", form_of(entry, text={"az": "Salam!", "ru": "Привет!"}))
    assert (await _render(sessionmaker, "greet", "az")).text == SHIPPED["greet"]["text"]["az"]


@pytest.mark.parametrize("change, message", [
    ({"sources": []}, "ən azı bir mənbəyi"),
    ({"sources": [{"claim": "Pensiya məsələləri", "document": "003_aef02f020039336c",
                   "sentence": "Pensiyalar hər ay iki dəfə ödənilir."}]}, "cümlə “003_aef02f020039336c” sənədində yoxdur"),
    ({"sources": [{"claim": "Pensiya məsələləri", "document": "999_nope", "sentence": "x"}]}, "sənədi tapılmadı"),
    ({"text": {"az": "Tamamilə başqa mətn.", "ru": "Другой текст."}}, "azərbaycanca mətndə yoxdur"),
    ({"text": {"az": "", "ru": "x"}}, "Azərbaycanca mətn boş"),
])
async def test_an_entry_without_a_valid_source_is_refused(sessionmaker, db, change, message):
    async with sessionmaker.begin() as s:
        entry = await s.get(KnowledgeEntry, "social_protection/pension")
        before = dict(entry.text), entry.version
        result = await save_entry(s, EDITOR, entry.key, form_of(entry, **change))
    assert any(message in e for e in result.errors), result.errors
    async with sessionmaker() as s:
        again = await s.get(KnowledgeEntry, "social_protection/pension")
        refused_audits = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "kb_changed"))).all()
    assert (again.text, again.version) == before and refused_audits == []


async def test_a_stale_version_is_refused(sessionmaker, db):
    async with sessionmaker.begin() as s:
        entry = await s.get(KnowledgeEntry, "thank")
        result = await save_entry(s, EDITOR, "thank", form_of(entry, version=entry.version - 1,
                                                              text={"az": "Dəyişdi", "ru": "Изменено"}))
    assert result.errors and "başqası dəyişib" in result.errors[0]


async def test_the_seed_is_idempotent_and_never_overwrites_an_edit(sessionmaker, db):
    async with sessionmaker.begin() as s:
        assert await sync_shipped(s) == 0  # nothing new: nothing written
        entry = await s.get(KnowledgeEntry, "goodbye")
        await save_entry(s, EDITOR, "goodbye", form_of(entry, text={"az": "Sağ olun, yenə yazın!",
                                                                    "ru": "До свидания, пишите ещё!"}))
        # A shipped entry nobody edited, older than the release, and a key the release adds.
        await s.execute(update(KnowledgeEntry).where(KnowledgeEntry.key == "thank")
                        .values(text={"az": "köhnə", "ru": "старое"}))
        await s.execute(text("DELETE FROM knowledge_entries WHERE key = 'ack'"))
    async with sessionmaker.begin() as s:
        assert await sync_shipped(s) == 2
        assert await sync_shipped(s) == 0
    assert (await _render(sessionmaker, "goodbye", "az")).text == "Sağ olun, yenə yazın!"
    assert (await _render(sessionmaker, "thank", "ru")).text == SHIPPED["thank"]["text"]["ru"]
    assert (await _render(sessionmaker, "ack", "az")).text == SHIPPED["ack"]["text"]["az"]


def test_the_documents_the_sources_cite_are_shipped():
    for source in (s for a in answers() for s in a.get("sources") or []):
        assert source["document"] in knowledge_base()["documents"]

"""The knowledge base in PostgreSQL: rendering at reply time, supervisors' edits,
and keeping the shipped entries current.

- `render(session, key, language)`: the text and buttons of an answer key in a
  language, read at reply time (one primary-key read): an edit is live for the
  next answer on every channel, with no retraining and no cache to expire.
- `save_entry(...)`: a supervisor's edit, checked (`check_*`: both languages,
  the source test of contact_center.knowledge.sources) and audited
  (`kb_changed`) in the caller's transaction; `version` guards against two
  editors overwriting each other.
- `history(session, key)`: the versions an edit replaced or made, newest
  first, each with a word diff against the one before; `revert_entry` saves an
  old version's content as a new version (checked and audited like an edit).
- `sync_shipped(session)`: `cc142 migrate` adds the keys a release ships and
  refreshes the entries nobody edited (updated_by IS NULL); never a person's edit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center import audit
from contact_center.db.models import KnowledgeEntry, KnowledgeEntryVersion
from contact_center.knowledge import answers, knowledge_base
from contact_center.knowledge.sources import source_errors

LANGUAGES = ("az", "ru")
MAX_TEXT = 2000


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: list[dict[str, str]]  # [{"title", "payload"}] in the language asked for


@dataclass
class EntryForm:
    """What the editor submitted."""

    text: dict[str, str]
    sources: list[dict[str, str]]
    generic: bool
    version: int


@dataclass
class SaveResult:
    entry: KnowledgeEntry | None
    errors: list[str] = field(default_factory=list)


def language_of(value: object, default: str = "az") -> str:
    return value if isinstance(value, str) and value in LANGUAGES else default


def shipped_row(answer: dict[str, Any]) -> dict[str, Any]:
    """A row of knowledge_entries for an entry of answers.json."""
    titles = knowledge_base()["buttons"]
    return {
        "key": answer["key"],
        "direction": answer["direction"],
        "text": dict(answer["text"]),
        "buttons": [{"payload": p, "title": dict(titles[p])} for p in answer["buttons"]],
        "sources": list(answer.get("sources") or []),
        "generic": bool(answer.get("generic")),
    }


async def render(session: AsyncSession, key: str, language: str) -> Rendered | None:
    """The entry's text and buttons in `language` (None: no such key)."""
    row = (
        await session.execute(select(KnowledgeEntry.text, KnowledgeEntry.buttons).where(KnowledgeEntry.key == key))
    ).one_or_none()
    if row is None:
        return None
    text, buttons = row
    lang = language_of(language)
    body = (text.get(lang) or text.get("az") or "").strip()
    if not body:
        return None
    titled = [{"title": b["title"].get(lang) or b["title"]["az"], "payload": b["payload"]} for b in buttons]
    return Rendered(body, titled)


async def get_entry(session: AsyncSession, key: str) -> KnowledgeEntry | None:
    return await session.get(KnowledgeEntry, key)


async def list_entries(session: AsyncSession, query: str = "", direction: str | None = None) -> list[KnowledgeEntry]:
    """Entries by key; `query` matches the key or either language's text (case-insensitive)."""
    stmt = select(KnowledgeEntry).order_by(KnowledgeEntry.direction.nulls_last(), KnowledgeEntry.key)
    if direction:
        stmt = stmt.where(KnowledgeEntry.direction == direction)
    query = query.strip()
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(or_(
            KnowledgeEntry.key.ilike(like),
            KnowledgeEntry.text["az"].astext.ilike(like),
            KnowledgeEntry.text["ru"].astext.ilike(like),
        ))
    return list((await session.scalars(stmt)).all())


def check_entry(form: EntryForm, sources_dir: Path | None = None) -> list[str]:
    errors = []
    for lang, label in (("az", "Azərbaycanca"), ("ru", "Rusca")):
        value = form.text.get(lang, "").strip()
        if not value:
            errors.append(f"{label} mətn boş ola bilməz.")
        elif len(value) > MAX_TEXT:
            errors.append(f"{label} mətn {MAX_TEXT} simvoldan uzun ola bilməz.")
    errors += source_errors(form.text.get("az", ""), form.sources, form.generic, sources_dir)
    return errors


async def save_entry(
    session: AsyncSession,
    actor: audit.Actor,
    key: str,
    form: EntryForm,
    *,
    address: str | None = None,
    sources_dir: Path | None = None,
    reverted_to: int | None = None,
) -> SaveResult:
    """A supervisor's edit: checked, versioned and audited in the caller's transaction."""
    entry = await session.get(KnowledgeEntry, key, with_for_update=True)
    if entry is None:
        return SaveResult(None, ["Cavab tapılmadı."])
    if form.version != entry.version:
        return SaveResult(entry, ["Bu cavabı bu arada başqası dəyişib. Səhifəni yeniləyin və yenidən cəhd edin."])
    errors = check_entry(form, sources_dir)
    if errors:
        return SaveResult(entry, errors)
    text = {lang: form.text[lang].strip() for lang in LANGUAGES}
    sources = [] if form.generic else [
        {"claim": s["claim"].strip(), "document": s["document"].strip(), "sentence": s["sentence"].strip()}
        for s in form.sources
    ]
    changed = [f"text.{lang}" for lang in LANGUAGES if entry.text.get(lang) != text[lang]]
    if entry.sources != sources:
        changed.append("sources")
    if entry.generic != form.generic:
        changed.append("generic")
    if not changed:
        return SaveResult(entry)
    await _keep_version(session, entry)  # the version being replaced (the shipped one, on a first edit)
    entry.text, entry.sources, entry.generic = text, sources, form.generic
    entry.version += 1
    entry.updated_by, entry.updated_by_name = actor.user_id, actor.name[:64]
    entry.updated_at = datetime.now(UTC)
    await _keep_version(session, entry)
    # The texts are public answers, not personal data; the trail keeps which fields changed.
    details: dict[str, Any] = {"version": entry.version, "changed": changed}
    if reverted_to is not None:
        details["reverted_to"] = reverted_to
    await audit.record(session, actor, "kb_changed", object_type="knowledge_entry", object_id=key,
                       details=details, address=address)
    return SaveResult(entry)


async def _keep_version(session: AsyncSession, entry: KnowledgeEntry) -> None:
    await session.execute(
        insert(KnowledgeEntryVersion)
        .values(key=entry.key, version=entry.version, text=entry.text, sources=entry.sources, generic=entry.generic,
                changed_by=entry.updated_by, changed_by_name=entry.updated_by_name, changed_at=entry.updated_at)
        .on_conflict_do_nothing(index_elements=["key", "version"])
    )


@dataclass(frozen=True)
class VersionView:
    version: int
    text: dict[str, str]
    sources: list[dict[str, str]]
    generic: bool
    changed_by_name: str | None
    changed_at: datetime
    # Per language, the words against the version before: [("=" | "-" | "+", words)].
    diff: dict[str, list[tuple[str, str]]]
    sources_changed: bool


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The words removed ("-"), added ("+") and kept ("=") from `old` to `new`."""
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", " ".join(b[j1:j2])))
    return out


async def history(session: AsyncSession, key: str) -> list[VersionView]:
    rows = (await session.scalars(
        select(KnowledgeEntryVersion).where(KnowledgeEntryVersion.key == key).order_by(KnowledgeEntryVersion.version)
    )).all()
    out: list[VersionView] = []
    previous: KnowledgeEntryVersion | None = None
    for row in rows:
        before = previous.text if previous is not None else row.text
        out.append(VersionView(
            row.version, row.text, row.sources, row.generic, row.changed_by_name, row.changed_at,
            {lang: word_diff(before.get(lang, ""), row.text.get(lang, "")) for lang in LANGUAGES},
            previous is not None and (previous.sources != row.sources or previous.generic != row.generic),
        ))
        previous = row
    return out[::-1]


async def revert_entry(
    session: AsyncSession,
    actor: audit.Actor,
    key: str,
    to_version: int,
    expected_version: int,
    *,
    address: str | None = None,
    sources_dir: Path | None = None,
) -> SaveResult:
    """Save version `to_version`'s content as a new version (an edit like any other)."""
    old = (await session.scalars(select(KnowledgeEntryVersion).where(
        KnowledgeEntryVersion.key == key, KnowledgeEntryVersion.version == to_version))).one_or_none()
    if old is None:
        entry = await session.get(KnowledgeEntry, key)
        return SaveResult(entry, ["Bu versiya tapılmadı."] if entry is not None else ["Cavab tapılmadı."])
    form = EntryForm(text=dict(old.text), sources=[dict(s) for s in old.sources], generic=old.generic,
                     version=expected_version)
    return await save_entry(session, actor, key, form, address=address, sources_dir=sources_dir,
                            reverted_to=to_version)


async def sync_shipped(session: AsyncSession) -> int:
    """Add the shipped keys the table lacks and refresh the entries nobody edited;
    returns how many rows were written. Idempotent."""
    rows = [shipped_row(a) for a in answers()]
    stmt = insert(KnowledgeEntry).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[KnowledgeEntry.key],
        set_={
            "direction": stmt.excluded.direction,
            "text": stmt.excluded.text,
            "buttons": stmt.excluded.buttons,
            "sources": stmt.excluded.sources,
            "generic": stmt.excluded.generic,
            "version": KnowledgeEntry.version + 1,
            "updated_at": func.now(),
        },
        # Only a shipped entry that differs from the release: never a person's edit.
        where=(KnowledgeEntry.updated_by.is_(None)) & (
            (KnowledgeEntry.text != stmt.excluded.text)
            | (KnowledgeEntry.buttons != stmt.excluded.buttons)
            | (KnowledgeEntry.sources != stmt.excluded.sources)
            | (KnowledgeEntry.generic != stmt.excluded.generic)
            | (KnowledgeEntry.direction.is_distinct_from(stmt.excluded.direction))
        ),
    )
    result = await session.execute(stmt)
    return int(result.rowcount or 0)

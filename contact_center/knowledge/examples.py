"""Example questions for the bot, added by supervisors on the "Bilik bazası" page.

An edit of an answer's text is live at once; a new way of *asking* needs the
model to learn it. So examples wait in `knowledge_examples` until
`cc142 kb export-examples` writes every example into one NLU file under
chatbot/data/ (EXPORT_FILE), under the answer key as its retrieval intent.
chatbot/data/ is part of the model's content hash, so the next `make train`
(or `make run`) retrains with them; without a new example the file, the hash
and the model stay the same. The page shows how many wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center import audit
from contact_center.audit import Actor
from contact_center.db.models import KnowledgeEntry, KnowledgeExample
from contact_center.text import fold

LANGUAGES = ("az", "ru")
MIN_LENGTH, MAX_LENGTH = 3, 300
# Relative to the repository: chatbot/data/ is read by training and hashed.
EXPORT_FILE = Path("chatbot") / "data" / "knowledge_examples" / "nlu.yml"


class ExampleError(ValueError):
    def __init__(self, message_az: str) -> None:
        super().__init__(message_az)
        self.message_az = message_az


@dataclass(frozen=True, slots=True)
class ExampleRow:
    language: str
    text: str
    added_by_name: str | None
    added_at: datetime
    waiting: bool


def _clean(text: str) -> str:
    return " ".join(text.replace("\x00", "").split())


async def add_example(
    session: AsyncSession, actor: Actor, key: str, language: str, text: str, *, address: str | None = None
) -> bool:
    """Add a question to `key`; False when it was there already. Audited as kb_changed."""
    text = _clean(text)
    if language not in LANGUAGES:
        raise ExampleError("Dil düzgün deyil.")
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise ExampleError(f"Sual {MIN_LENGTH}-{MAX_LENGTH} simvol olmalıdır.")
    if await session.get(KnowledgeEntry, key) is None:
        raise ExampleError("Cavab tapılmadı.")
    # The same question folded (case, Azerbaijani letters typed as Latin) is the same example.
    existing = (await session.scalars(select(KnowledgeExample.text).where(
        KnowledgeExample.answer_key == key, KnowledgeExample.language == language))).all()
    if fold(text) in {fold(t) for t in existing}:
        return False
    statement = pg_insert(KnowledgeExample).values(
        answer_key=key, language=language, text=text, added_by=actor.user_id, added_by_name=actor.name,
    ).on_conflict_do_nothing()
    if not (await session.execute(statement)).rowcount:
        return False
    await audit.record(session, actor, "kb_changed", object_type="knowledge_entry", object_id=key,
                       address=address, details={"example_added": language})
    return True


async def examples_of(session: AsyncSession, key: str) -> list[ExampleRow]:
    rows = await session.execute(
        select(KnowledgeExample.language, KnowledgeExample.text, KnowledgeExample.added_by_name,
               KnowledgeExample.added_at, KnowledgeExample.exported_at.is_(None))
        .where(KnowledgeExample.answer_key == key).order_by(KnowledgeExample.id))
    return [ExampleRow(*r) for r in rows.all()]


async def waiting_count(session: AsyncSession) -> int:
    """Examples not yet exported: the bot does not know them until the next training."""
    return int(await session.scalar(
        select(func.count()).select_from(KnowledgeExample).where(KnowledgeExample.exported_at.is_(None))) or 0)


def nlu_yaml(examples: list[tuple[str, str]]) -> str:
    """Rasa NLU data (version 3.1) from (answer key, question) pairs, keys in order."""
    by_key: dict[str, list[str]] = {}
    for key, text in examples:
        by_key.setdefault(key, []).append(text)
    lines = ['version: "3.1"', "# Written by `cc142 kb export-examples` from the knowledge base: do not edit.",
             "nlu:"]
    for key in sorted(by_key):
        lines.append(f"  - intent: {key}")
        lines.append("    examples: |")  # Rasa's format: a block of "- " lines, taken literally
        lines.extend(f"      - {_one_line(t)}" for t in by_key[key])
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    # Square brackets and parentheses would be read as entity annotations: [text](entity).
    return _clean(text).replace("[", "(").replace("]", ")")


async def export_examples(session: AsyncSession, root: Path) -> tuple[int, int, Path]:
    """Write every example to root/EXPORT_FILE; mark the waiting ones exported.

    Returns (all examples, newly exported, the file). No example: no file (and the
    model's hash is what it was)."""
    rows = (await session.execute(
        select(KnowledgeExample.answer_key, KnowledgeExample.text, KnowledgeExample.exported_at.is_(None))
        .order_by(KnowledgeExample.answer_key, KnowledgeExample.id))).all()
    path = root / EXPORT_FILE
    if not rows:
        return 0, 0, path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(nlu_yaml([(k, t) for k, t, _ in rows]), encoding="utf-8")
    tmp.replace(path)  # training never reads half a file
    fresh = sum(1 for *_, waiting in rows if waiting)
    await session.execute(update(KnowledgeExample).where(KnowledgeExample.exported_at.is_(None))
                          .values(exported_at=datetime.now(UTC)))
    return len(rows), fresh, path

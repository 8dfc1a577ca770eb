"""The source test of a knowledge-base entry (stdlib only).

A non-generic entry must cite, per factual claim, a document of
chatbot/sources/ and the exact sentence it rests on: the claim must occur in
the Azerbaijani text and the sentence in the document (both compared after
whitespace normalisation). A generic entry (it only points to 142,
e-sosial.az or a person) cites nothing. The console refuses an edit that
breaks this; tests/knowledge checks the seeded entries the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from contact_center.knowledge import knowledge_base

# chatbot/sources/ of the repository (a Docker image copies it and sets KB_SOURCES_DIR).
DEFAULT_SOURCES_DIR = Path(__file__).resolve().parents[2] / "chatbot" / "sources"


def normalize(text: str) -> str:
    return " ".join(text.split())


def documents() -> dict[str, dict[str, str]]:
    """Document id -> {"file", "title", "date"} (the shipped list)."""
    return dict(knowledge_base()["documents"])


@lru_cache(maxsize=16)
def _document_text(path: Path) -> str:
    return normalize(path.read_text(encoding="utf-8"))


def document_text(document: str, sources_dir: Path | None = None) -> str | None:
    """The normalised text of a known document, or None (unknown id, file missing)."""
    meta = documents().get(document)
    if meta is None:
        return None
    path = (sources_dir or DEFAULT_SOURCES_DIR) / Path(meta["file"]).name
    try:
        return _document_text(path)
    except OSError:
        return None


def source_errors(
    text_az: str, sources: Sequence[Mapping[str, str]], generic: bool, sources_dir: Path | None = None
) -> list[str]:
    """What is wrong with an entry's sources (Azerbaijani messages for the editor); [] if nothing."""
    if generic:
        return ["Ümumi cavab mənbə göstərmir: mənbələri silin və ya “ümumi” qeydini götürün."] if sources else []
    if not sources:
        return ["Ümumi olmayan cavabın ən azı bir mənbəyi olmalıdır (sənəd və dəqiq cümlə)."]
    errors = []
    for n, source in enumerate(sources, 1):
        claim, document, sentence = (normalize(source.get(k) or "") for k in ("claim", "document", "sentence"))
        if not (claim and document and sentence):
            errors.append(f"Mənbə {n}: iddia, sənəd və cümlə doldurulmalıdır.")
            continue
        body = document_text(document, sources_dir)
        if body is None:
            errors.append(f"Mənbə {n}: “{document}” sənədi tapılmadı.")
        elif sentence not in body:
            errors.append(f"Mənbə {n}: göstərilən cümlə “{document}” sənədində yoxdur.")
        if claim not in normalize(text_az):
            errors.append(f"Mənbə {n}: iddia (“{claim[:60]}”) azərbaycanca mətndə yoxdur.")
    return errors

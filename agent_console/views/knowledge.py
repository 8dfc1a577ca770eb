"""Console page "Bilik bazası": the bot's answers as the backend renders them.

Supervisors and admins list, search and edit an answer per language (with a
preview, and the sources shown next to the text), see its history with a diff
of every version and revert to one; every saved edit (a revert too) is live
for the bot's next answer, on every channel, and audited (`kb_changed`). Agents
may read the page (they see what the bot told a citizen) but not change it:
the form is not shown and a POST answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, redirect, render, render_error
from agent_console.security import current_user
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.db.models import KnowledgeEntry
from contact_center.knowledge.entries import (
    LANGUAGES,
    EntryForm,
    VersionView,
    get_entry,
    history,
    list_entries,
    revert_entry,
    save_entry,
)
from contact_center.knowledge import examples
from contact_center.knowledge.sources import documents
from contact_center.reference.lists import choices
from contact_center.web.audit import request_actor, request_address
from contact_center.web.permissions import permission, role_allows

routes = web.RouteTableDef()

KEY = r"{key:[a-z0-9_]{1,40}(?:/[a-z0-9_]{1,60})?}"
EMPTY_SOURCE_ROWS = 2
LANGUAGE_LABELS = {"az": "Azərbaycanca", "ru": "Rusca"}


@dataclass
class ListPage:
    entries: list[KnowledgeEntry]
    query: str
    direction: str
    directions: dict[str, str]
    waiting_examples: int = 0


@dataclass
class EntryPage:
    entry: KnowledgeEntry
    form: EntryForm
    can_edit: bool
    documents: dict[str, dict[str, str]]
    direction_label: str
    languages: dict[str, str] = field(default_factory=lambda: dict(LANGUAGE_LABELS))
    errors: list[str] = field(default_factory=list)
    preview: bool = False
    versions: list[VersionView] = field(default_factory=list)
    examples: list[examples.ExampleRow] = field(default_factory=list)
    example_error: str | None = None

    @property
    def source_rows(self) -> list[dict[str, str]]:
        """The entry's sources plus empty rows for new ones (the editor adds a claim there)."""
        empty = {"claim": "", "document": "", "sentence": ""}
        return [*self.form.sources, *([empty] * (EMPTY_SOURCE_ROWS if self.can_edit else 0))]


def _can_edit(request: web.Request) -> bool:
    return role_allows(current_user(request).role, "supervisor")


@routes.get("/console/knowledge", name="console_knowledge")
@permission("agent")
async def entry_list(request: web.Request) -> web.Response:
    query = request.query.get("q", "")[:200]
    direction = request.query.get("direction", "")[:40]
    async with request.app[SESSIONMAKER]() as session:
        entries = await list_entries(session, query, direction or None)
        ref = await choices(session)
        waiting = await examples.waiting_count(session)
    directions = {d.code: d.label for d in ref.directions}
    return render(request, "knowledge/list.html", ListPage(entries, query, direction, directions, waiting),
                  title="Bilik bazası")


async def _entry_page(request: web.Request, entry: KnowledgeEntry, form: EntryForm | None = None,
                      errors: list[str] | None = None, preview: bool = False,
                      example_error: str | None = None) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        ref = await choices(session)
        versions = await history(session, entry.key)
        questions = await examples.examples_of(session, entry.key)
    form = form or EntryForm(text=dict(entry.text), sources=[dict(s) for s in entry.sources],
                             generic=entry.generic, version=entry.version)
    page = EntryPage(entry, form, _can_edit(request), documents(), ref.label("directions", entry.direction),
                     errors=errors or [], preview=preview, versions=versions, examples=questions,
                     example_error=example_error)
    return render(request, "knowledge/entry.html", page, title=f"Bilik bazası: {entry.key}",
                  status=422 if errors or example_error else 200)


@routes.get(f"/console/knowledge/{KEY}", name="console_knowledge_entry")
@permission("agent")
async def entry_detail(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        entry = await get_entry(session, request.match_info["key"])
    if entry is None:
        return render_error(request, 404, "Cavab tapılmadı.")
    return await _entry_page(request, entry)


def _form(data: object, version: int) -> EntryForm:
    get = data.get  # type: ignore[attr-defined]
    sources = []
    for n in range(100):
        if f"claim-{n}" not in data:  # type: ignore[operator]
            break
        row = {k: str(get(f"{k}-{n}", "")).strip() for k in ("claim", "document", "sentence")}
        if any(row.values()):
            sources.append(row)
    return EntryForm(
        text={lang: str(get(f"text-{lang}", "")).replace("\r\n", "\n") for lang in LANGUAGES},
        sources=sources,
        generic=get("generic") == "1",
        version=version,
    )


@routes.post(f"/console/knowledge/{KEY}", name="console_knowledge_update")
@permission("supervisor")
async def entry_update(request: web.Request) -> web.Response:
    key = request.match_info["key"]
    data = await request.post()
    try:
        version = int(str(data.get("version", "")))
    except ValueError:
        return render_error(request, 400, "Forma natamamdır.")
    form = _form(data, version)
    if data.get("preview"):
        async with request.app[SESSIONMAKER]() as session:
            entry = await get_entry(session, key)
        if entry is None:
            return render_error(request, 404, "Cavab tapılmadı.")
        return await _entry_page(request, entry, form, preview=True)
    async with request.app[SESSIONMAKER].begin() as session:
        # A refused edit changes nothing (save_entry checks before it writes).
        result = await save_entry(session, request_actor(request), key, form, address=request_address(request),
                                  sources_dir=request.app[SETTINGS].kb_sources_dir)
    if result.entry is None:
        return render_error(request, 404, "Cavab tapılmadı.")
    if result.errors:
        return await _entry_page(request, result.entry, form, result.errors)
    return redirect(request, "console_knowledge_entry", key=key,
                    flash="Saxlanıldı: botun növbəti cavabı yeni mətnlə olacaq.")


@routes.post(f"/console/knowledge/{KEY}/revert", name="console_knowledge_revert")
@permission("supervisor")
async def entry_revert(request: web.Request) -> web.Response:
    key = request.match_info["key"]
    data = await request.post()
    try:
        to_version, expected = int(str(data.get("to_version", ""))), int(str(data.get("version", "")))
    except ValueError:
        return render_error(request, 400, "Forma natamamdır.")
    async with request.app[SESSIONMAKER].begin() as session:
        result = await revert_entry(session, request_actor(request), key, to_version, expected,
                                    address=request_address(request), sources_dir=request.app[SETTINGS].kb_sources_dir)
    if result.entry is None:
        return render_error(request, 404, "Cavab tapılmadı.")
    if result.errors:
        return await _entry_page(request, result.entry, errors=result.errors)
    return redirect(request, "console_knowledge_entry", key=key,
                    flash=f"{to_version}-ci versiya qaytarıldı: botun növbəti cavabı onunla olacaq.")


@routes.post(f"/console/knowledge/{KEY}/examples", name="console_knowledge_example_add")
@permission("supervisor")
async def example_add(request: web.Request) -> web.Response:
    key = request.match_info["key"]
    data = await request.post()
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            added = await examples.add_example(session, request_actor(request), key, str(data.get("language", "")),
                                               str(data.get("text", "")), address=request_address(request))
    except examples.ExampleError as exc:
        async with request.app[SESSIONMAKER]() as session:
            entry = await get_entry(session, key)
        if entry is None:
            return render_error(request, 404, "Cavab tapılmadı.")
        return await _entry_page(request, entry, example_error=exc.message_az)
    return redirect(request, "console_knowledge_entry", key=key,
                    flash="Nümunə əlavə edildi: bot onu növbəti öyrətmədən sonra tanıyacaq." if added
                    else "Bu sual artıq nümunələr arasındadır.")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("knowledge", "Bilik bazası", "console_knowledge", level="agent", order=58))

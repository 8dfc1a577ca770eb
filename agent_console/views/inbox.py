"""The agents' chat inbox: the queue, a conversation's transcript, and the actions
on it (claim, reply, note, classify, resolve, release, transfer). Thin: contact_center.chat.inbox
does the work. Forms post and redirect (works without JavaScript); inbox.js
sends the same forms with fetch (JSON answers) and keeps the page live.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.layout import LayoutPart, NavItem, add_layout_part, add_nav_item, redirect, render, render_error
from agent_console.security import current_user, wants_json
from contact_center.accounts import CurrentUser
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.chat import Actor, ConversationRow, InboxError, canned_responses, inbox, transfer
from contact_center.chat.canned_responses import Canned
from contact_center.chat.inbox import Transcript
from contact_center.chat.routing import Route
from contact_center.chat.transfer import TransferTarget, TransferView
from contact_center.privacy import access
from contact_center.reference import lists as reference
from contact_center.reference.lists import Choices
from contact_center.social import AgentWindow, agent_window
from contact_center.text import ascii_digits
from contact_center.web.audit import PAGE_VIEW, audit_read, request_actor, request_address
from contact_center.web.body_limits import JsonBodyError, read_json
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


@dataclass(frozen=True)
class InboxPage:
    queue: list[ConversationRow]
    open: list[ConversationRow]
    resolved: list[ConversationRow]
    choices: Choices
    supervises: bool
    user_id: int
    routes: dict[int, Route]  # the queue's rows: routed to a direction's agents until when
    refresh_in: float | None  # seconds until a routed chat opens up to everyone: the page re-reads
    handed: dict[int, list[TransferView]]  # the open rows' last hand-over (the note comes along)
    fallback_seconds: int = 60


@dataclass(frozen=True)
class ConversationPage:
    t: Transcript
    canned: list[Canned]
    choices: Choices
    supervises: bool
    route: Route | None = None  # a waiting chat: routed to others (not claimable by this agent) or not
    transfers: list[TransferView] | None = None
    targets: list[TransferTarget] | None = None  # colleagues available for a transfer
    note_limit: int = transfer.MAX_NOTE
    window: AgentWindow | None = None  # Facebook / Instagram: the reply window, shown before typing
    text_full: bool = False  # numbers the citizen typed, in full (the agent working it)


def actor_of(user: CurrentUser) -> Actor:
    # The citizen sees only the first name ("Aysel söhbətə qoşuldu").
    return Actor(id=user.id, name=inbox.first_name(user.full_name, user.username), role=user.role)


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


@routes.get("/console/inbox", name="console_inbox")
@permission("agent")
async def inbox_page(request: web.Request) -> web.Response:
    user = current_user(request)
    actor = actor_of(user)
    async with request.app[SESSIONMAKER]() as session:
        queue = await inbox.queue_for(session, request.app[SETTINGS], actor)
        open_rows = await inbox.open_conversations(session, actor)
        page = InboxPage(
            queue=queue.rows,
            open=open_rows,
            resolved=await inbox.recently_resolved(session, actor),
            choices=await reference.choices(session),
            supervises=actor.supervises,
            user_id=user.id,
            routes=queue.routes,
            refresh_in=queue.refresh_in,
            handed=await transfer.transfers(session, [c.id for c in open_rows], latest_only=True),
            fallback_seconds=request.app[SETTINGS].chat_routing_fallback_seconds,
        )
    return render(request, "inbox/list.html", page, title="Çat")


@routes.get("/console/inbox/{id:\\d{1,18}}", name="console_conversation")
@permission("agent")
async def conversation_page(request: web.Request) -> web.Response:
    actor = actor_of(current_user(request))
    async with request.app[SESSIONMAKER]() as session:
        try:
            t = await inbox.transcript(session, _id(request), actor)
        except InboxError as exc:
            return render_error(request, 404, exc.message)
        window = None
        if t.conversation.status != "resolved":
            window = await agent_window(session, request.app[SETTINGS], t.conversation.id)
        page = ConversationPage(
            t=t,
            canned=await canned_responses.list_canned(session, active_only=True),
            choices=await reference.choices(session),
            supervises=actor.supervises,
            route=await inbox.waiting_route(session, request.app[SETTINGS], t.conversation.id, actor),
            transfers=(await transfer.transfers(session, [t.conversation.id])).get(t.conversation.id, []),
            targets=await transfer.transfer_targets(session, actor)
            if t.may_act and t.conversation.status == "open" else [],
            window=window,
            text_full=access.conversation_text_full(
                current_user(request), t.conversation.status, t.conversation.assigned_to),
        )
    await audit_read(request, "transcript_viewed", object_type="conversation", object_id=t.conversation.id,
                     details={"status": t.conversation.status, "text_full": page.text_full}, once_within=PAGE_VIEW)
    return render(request, "inbox/conversation.html", page, title=f"Çat № {t.conversation.id}")


Action = Callable[[AsyncSession, Actor, int, Any], Awaitable[str]]


async def _act(request: web.Request, action: Action, *, done: str = "console_conversation") -> web.Response:
    """Run one inbox action in its own transaction; answer JSON or redirect with a flash."""
    actor = actor_of(current_user(request))
    conversation_id = _id(request)
    if request.content_type == "application/json":
        try:
            form = await read_json(request)
        except JsonBodyError as exc:  # malformed JSON was a 500 (found with the OpenAPI's console paths)
            return exc.response()
        if not isinstance(form, dict):
            return JsonBodyError("invalid_json", "the body must be a JSON object").response()
    else:
        form = await request.post()
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            flash = await action(session, actor, conversation_id, form)
    except InboxError as exc:
        if wants_json(request):
            status = {"not_found": 404, "not_yours": 403, "not_routed": 403, "empty": 422, "too_long": 422,
                      "invalid": 422, "required": 422}.get(exc.code, 409)
            return web.json_response({"error": exc.code, "message": exc.message, "field": exc.field}, status=status)
        if exc.code in ("taken", "not_found", "not_routed"):  # nothing to do there: back to the queue
            return redirect(request, "console_inbox", flash=exc.message, flash_kind="error")
        return redirect(request, "console_conversation", id=conversation_id, flash=exc.message, flash_kind="error")
    if wants_json(request):
        return web.json_response({"ok": True, "message": flash})
    if done == "console_inbox":
        return redirect(request, done, flash=flash)
    return redirect(request, done, id=conversation_id, flash=flash)


def _field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


@routes.post("/console/inbox/{id:\\d{1,18}}/claim", name="console_conversation_claim")
@permission("agent")
async def claim(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]

    async def run(session: AsyncSession, actor: Actor, cid: int, form: Any) -> str:
        await inbox.claim(session, settings, cid, actor)
        return "Söhbət sizə verildi; vətəndaş operatorun qoşulduğunu gördü."

    return await _act(request, run)


@routes.post("/console/inbox/{id:\\d{1,18}}/reply", name="console_conversation_reply")
@permission("agent")
async def reply(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]

    async def run(session: AsyncSession, actor: Actor, cid: int, form: Any) -> str:
        text = _field(form, "text")
        canned_id = _field(form, "canned")
        if not text and ascii_digits(canned_id):
            # Without JavaScript the chosen canned response is sent as it is.
            found = [c for c in await canned_responses.list_canned(session, active_only=True)
                     if c.id == int(canned_id)]
            text = found[0].text if found else ""
        await inbox.reply(session, settings, cid, actor, text)
        return "Cavab göndərildi."

    return await _act(request, run)


@routes.post("/console/inbox/{id:\\d{1,18}}/note", name="console_conversation_note")
@permission("agent")
async def note(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]

    async def run(session: AsyncSession, actor: Actor, cid: int, form: Any) -> str:
        await inbox.add_note(session, settings, cid, actor, _field(form, "text"))
        return "Daxili qeyd əlavə olundu (vətəndaş görmür)."

    return await _act(request, run)


@routes.post("/console/inbox/{id:\\d{1,18}}/classify", name="console_conversation_classify")
@permission("agent")
async def classify(request: web.Request) -> web.Response:
    async def run(session: AsyncSession, actor: Actor, cid: int, form: Any) -> str:
        await inbox.classify(session, cid, actor, direction=_field(form, "direction") or None,
                             district=_field(form, "district") or None)
        return "İstiqamət və rayon yadda saxlanıldı."

    return await _act(request, run)


@routes.post("/console/inbox/{id:\\d{1,18}}/resolve", name="console_conversation_resolve")
@permission("agent")
async def resolve(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]

    async def run(session: AsyncSession, actor: Actor, cid: int, form: Any) -> str:
        await inbox.resolve(session, settings, cid, actor, outcome=_field(form, "outcome"),
                            direction=_field(form, "direction") or None, district=_field(form, "district") or None)
        return f"Söhbət № {cid} bağlandı; vətəndaşdan xidməti qiymətləndirməsi xahiş olundu."

    return await _act(request, run, done="console_inbox")


@routes.post("/console/inbox/{id:\\d{1,18}}/release", name="console_conversation_release")
@permission("agent")
async def release(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]

    async def run(session: AsyncSession, actor: Actor, cid: int, form: Any) -> str:
        await transfer.release(session, settings, cid, actor, note=_field(form, "note"),
                               audit_actor=request_actor(request), address=request_address(request))
        return f"Söhbət № {cid} növbəyə qaytarıldı."

    return await _act(request, run, done="console_inbox")


@routes.post("/console/inbox/{id:\\d{1,18}}/transfer", name="console_conversation_transfer")
@permission("agent")
async def transfer_chat(request: web.Request) -> web.Response:
    """`target`: "user:<id>" (a colleague, available now) or "direction:<code>"."""
    settings = request.app[SETTINGS]

    async def run(session: AsyncSession, actor: Actor, cid: int, form: Any) -> str:
        kind, _, value = _field(form, "target").partition(":")
        options = {"note": _field(form, "note"), "audit_actor": request_actor(request),
                   "address": request_address(request)}
        if kind == "user" and ascii_digits(value) and len(value) <= 9:
            name = await transfer.transfer_to_agent(session, settings, cid, actor, int(value), **options)
            return f"Söhbət № {cid} {name} adlı əməkdaşa ötürüldü."
        if kind == "direction" and value:
            await transfer.transfer_to_direction(session, settings, cid, actor, value, **options)
            return f"Söhbət № {cid} istiqamətə ötürüldü və növbəyə qayıtdı."
        raise InboxError("invalid", "Kimə ötürüləcəyini seçin: operator və ya istiqamət.", field="target")

    return await _act(request, run, done="console_inbox")


@routes.post("/console/inbox/{id:\\d{1,18}}/typing", name="console_conversation_typing")
@permission("agent")
async def typing(request: web.Request) -> web.Response:
    actor = actor_of(current_user(request))
    async with request.app[SESSIONMAKER].begin() as session:
        await inbox.agent_typing(session, _id(request), actor)
    return web.Response(status=204)


async def _urgent(request: web.Request, session: AsyncSession, user: CurrentUser) -> list[ConversationRow]:
    return await inbox.urgent_waiting(session)


# Supervisors see urgent conversations nobody has claimed on every console page,
# until someone claims them: new ones arrive as `chat.urgent`; a claim,
# resolution or abandonment of an urgent one is a `chat.conversation` with `urgent`.
URGENT_BANNER = LayoutPart(
    "urgent", "inbox/_urgent_banner.html", _urgent, level="supervisor", order=10,
    refresh_on=("chat.urgent", "chat.conversation?urgent", "live.resync"),
)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("inbox", "Çat", "console_inbox", level="agent", order=20))
    add_layout_part(app, URGENT_BANNER)

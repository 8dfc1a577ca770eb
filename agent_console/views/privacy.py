"""Personal data in the console: a supervisor reveals one number with a reason
(contact_center.privacy.reveal, audited `number_revealed`)."""

from __future__ import annotations

from aiohttp import web

from agent_console.layout import render, render_error
from agent_console.pages import RevealedPage
from agent_console.security import current_user, wants_json
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.privacy.pseudonym import PseudonymKeyMissing
from contact_center.privacy.reveal import KINDS, RevealError, check_reason, reveal
from contact_center.web.audit import request_actor, request_address
from contact_center.web.permissions import permission

routes = web.RouteTableDef()
BACK = {"call": "console_call_pop", "callback": "console_callback", "registration": "console_registration"}


def _refuse(request: web.Request, status: int, code: str, message: str) -> web.Response:
    if wants_json(request):
        return web.json_response({"error": code, "message": message}, status=status)
    return render_error(request, status, message)


@routes.post("/console/reveal", name="console_reveal")
@permission("supervisor")
async def reveal_number(request: web.Request) -> web.Response:
    current_user(request)
    form = await request.post()
    kind = str(form.get("kind") or "")
    raw_id = str(form.get("id") or "")
    if kind not in KINDS or not raw_id.isdigit() or len(raw_id) > 18:
        return _refuse(request, 422, "invalid_input", "Qeyd düzgün göstərilməyib.")
    try:
        reason = check_reason(form.get("reason"))
        async with request.app[SESSIONMAKER].begin() as session:
            shown = await reveal(session, request_actor(request), kind, int(raw_id), reason,
                                 key=request.app[SETTINGS].pseudonym_key, address=request_address(request))
    except RevealError as exc:
        return _refuse(request, 404 if exc.code == "not_found" else 422, exc.code, exc.message)
    except PseudonymKeyMissing:
        return _refuse(request, 503, "pseudonym_key_missing",
                       "CC142_PSEUDONYM_KEY təyin edilməyib: nömrəni jurnala yazmadan göstərmək olmaz.")
    if wants_json(request):
        return web.json_response({"phone": shown.phone, "name": shown.name})
    back = str(request.app.router[BACK[kind]].url_for(id=raw_id))
    return render(request, "privacy/revealed.html", RevealedPage(shown.phone, shown.name, reason, back),
                  title="Nömrə göstərildi")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)

"""Meta adapter (Facebook Messenger, Instagram): subscription check and events.

POST stores the message items in the durable inbox in one transaction and
answers 200 at once; the process's Meta worker (started by the runtime)
feeds them to the chat core right after (see contact_center.social.webhook_inbox for why).
"""

from __future__ import annotations

import hmac
import logging
from collections import Counter

from aiohttp import web

from contact_center.appkeys import META_WORKER, SESSIONMAKER, SETTINGS
from contact_center.social import EnqueueResult, enqueue
from contact_center.web.body_limits import JsonBodyError, parse_json
from contact_center.web.errors import json_error
from contact_center.web.permissions import permission
from contact_center.web.signatures import verify_sha256
from webhooks.meta_payload import parse_webhook

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

SIGNATURE_HEADER = "X-Hub-Signature-256"


@routes.get("/webhooks/meta", name="meta_verify")
@permission("signed")  # checks hub.verify_token itself
async def verify_subscription(request: web.Request) -> web.Response:
    """Meta's subscription check: echo hub.challenge for the right verify token."""
    expected = request.app[SETTINGS].meta_verify_token
    mode = request.query.get("hub.mode")
    token = request.query.get("hub.verify_token", "")
    challenge = request.query.get("hub.challenge")
    # An unset verify token must not let anyone subscribe.
    if not expected or mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
        log.warning("meta subscription check refused (mode %r)", mode)
        return web.Response(status=403, text="forbidden")
    if not challenge:
        return json_error(400, "invalid_input", "'hub.challenge' is required", field="hub.challenge")
    return web.Response(text=challenge, content_type="text/plain")


@routes.post("/webhooks/meta", name="meta_events")
@permission("signed")  # checks X-Hub-Signature-256 itself
async def receive_events(request: web.Request) -> web.Response:
    body = await request.read()
    secret = request.app[SETTINGS].meta_app_secret
    if not verify_sha256(secret, body, request.headers.get(SIGNATURE_HEADER)):
        log.warning("meta webhook with a missing or wrong %s refused", SIGNATURE_HEADER)
        return json_error(401, "bad_signature", f"missing or wrong {SIGNATURE_HEADER}")
    try:
        payload = parse_json(body)
    except JsonBodyError as exc:
        return exc.response()
    parsed = parse_webhook(payload)
    if parsed.ignored:
        counts = Counter(i.what for i in parsed.ignored)
        log.info(
            "meta webhook (%s): ignored %s; %s",
            parsed.object,
            dict(counts),
            "; ".join(f"{i.what}: {i.detail}" for i in parsed.ignored[:20]),
        )
    result = EnqueueResult(0, 0, [])
    if parsed.items:
        async with request.app[SESSIONMAKER].begin() as session:
            result = await enqueue(session, parsed.items)
        if result.accepted:
            request.app[META_WORKER].kick_inbox()
    return web.json_response(
        {"accepted": result.accepted, "duplicates": result.duplicates, "ignored": len(parsed.ignored)}
    )


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)

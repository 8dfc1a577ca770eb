"""Security headers on every response (slot 3 of the chain in contact_center/app.py).

A response signal (`on_response_prepare`) rather than a middleware: it also
reaches the responses built outside the handler (slot 2's error pages, static
files, aiohttp's own answers), which a middleware in slot 3 would not see.

- `Content-Security-Policy`: scripts and styles only from this origin, no
  'unsafe-inline' and no 'unsafe-eval' (the console's and the chat page's
  scripts and styles are files; tests/security/test_headers_browser.py checks
  that the browser reports no violation);
- framing: the console and everything else may not be framed
  (`frame-ancestors 'none'`, `X-Frame-Options: DENY`); the chat page (`/chat`)
  is what the widget loads in its frame on other sites, so it may be framed by
  CHAT_EMBED_ORIGINS (default `*`: any site; a list narrows it) and has no
  X-Frame-Options (that header cannot name several origins);
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`
  (console URLs carry ids; other sites learn nothing), `Cross-Origin-Opener-Policy`;
- `Strict-Transport-Security` only when the request came over HTTPS (directly
  or through a trusted proxy that says so): over plain HTTP it means nothing.
"""

from __future__ import annotations


from aiohttp import web

from contact_center.appkeys import SETTINGS
from contact_center.web.client import request_scheme

# Routes whose page is shown inside the widget's frame on citizens' sites.
EMBEDDABLE_ROUTES = frozenset({"chat_page"})
HSTS = "max-age=31536000; includeSubDomains"

_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def content_security_policy(frame_ancestors: str) -> str:
    return "; ".join((*_POLICY, f"frame-ancestors {frame_ancestors}"))


def security_headers(request: web.Request) -> dict[str, str]:
    name = request.match_info.route.name if request.match_info.http_exception is None else None
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if name in EMBEDDABLE_ROUTES:
        origins = request.app[SETTINGS].chat_embed_origins
        headers["Content-Security-Policy"] = content_security_policy(" ".join(origins) or "'none'")
    else:
        headers["Content-Security-Policy"] = content_security_policy("'none'")
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request_scheme(request) == "https":
        headers["Strict-Transport-Security"] = HSTS
    return headers


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every response, also those built outside the handler
    (slot 2's error pages, aiohttp's own 404/405, static files)."""
    for key, value in security_headers(request).items():
        response.headers.setdefault(key, value)

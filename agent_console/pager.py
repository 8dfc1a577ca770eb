"""Links to the neighbours of a paged list's page (contact_center.paging.Page)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from agent_console.layout import url_for
from contact_center.paging import Page


def page_links(request: web.Request, route: str, args: dict[str, Any], result: Page[Any]) -> dict[str, str | None]:
    """`prev` and `next` keep the list's filters (`args`); None at either end."""
    return {
        "prev": url_for(request, route, query=args | {"page": result.page - 1}) if result.has_prev else None,
        "next": url_for(request, route, query=args | {"page": result.page + 1}) if result.has_next else None,
    }

"""What an area declares for the console's page shell: navigation entries and
layout parts. Plain declarations, kept in the app's state (contact_center.appkeys);
agent_console.layout registers and renders them (`add_nav_item`, `add_layout_part`).
Outside contact_center/web on purpose: appkeys needs these types, and web
needs appkeys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.accounts import CurrentUser


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str  # stable id: the link gets id="nav-<key>", its badge data-badge="<key>"
    label: str  # Azerbaijani
    route: str  # route name
    level: str = "agent"  # lowest role that sees it: agent | supervisor | admin
    order: int = 100


# What a layout part shows: None (or an empty list) shows nothing.
PartLoader = Callable[[web.Request, AsyncSession, CurrentUser], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class LayoutPart:
    """A partial every page of the base layout carries for the roles at `level` and above.

    `load(request, session, user)` runs before the page's handler (one read-only
    session for all parts); its result is `part` in `template`. The partial sits
    in `<div id="part-<key>" data-layout-part="<key>">` above the page content and
    is re-fetched (GET /console/parts/<key>) when a live event of `refresh_on`
    arrives: a topic ("chat.urgent"), a prefix ("chat.*"), or "topic?field" for
    only the events whose data has a truthy `field`. `script`: a file of
    agent_console/static (or an absolute path served by the backend) loaded on
    those pages after console.js, for behaviour the partial needs.
    """

    key: str
    template: str
    load: PartLoader
    level: str = "agent"
    refresh_on: tuple[str, ...] = ()
    script: str | None = None
    order: int = 100

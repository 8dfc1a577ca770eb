"""Typed keys for everything the application keeps in its state: all of them, here.

Who fills them: the app factory (settings, contact_center/app.py); the
runtime (the process's parts, contact_center/runtime.py); the mounted areas
(their hooks and registries, through their `setup(app)`). Tests may set
META_WORKER_CONFIG before start-up.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contact_center.calls import PbxBatcher
from contact_center.calls.ami import AmiLink
from contact_center.chat import ChatContext
from contact_center.config import Settings
from contact_center.db.reads import ReadDatabase
from contact_center.live import LiveHub
from contact_center.monitoring import Metrics
from contact_center.shell import LayoutPart, NavItem
from contact_center.social import MetaWorker, WorkerConfig
from contact_center.chat.socket_caps import SocketCaps

# --- the process (contact_center/app.py, contact_center/runtime.py) ----------------------
SETTINGS = web.AppKey("settings", Settings)
# The process's Prometheus metrics (contact_center/monitoring/metrics.py).
METRICS = web.AppKey("metrics", Metrics)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONMAKER = web.AppKey("sessionmaker", async_sessionmaker[AsyncSession])
# The heavy reads: the read replica (DATABASE_READ_URL) with the primary behind it.
READS = web.AppKey("reads", ReadDatabase)
LIVE_HUB = web.AppKey("live_hub", LiveHub)
CHAT = web.AppKey("chat", ChatContext)  # what every chat channel hands to receive_message
PBX_BATCHER = web.AppKey("pbx_batcher", PbxBatcher)
META_WORKER = web.AppKey("meta_worker", MetaWorker)
# Tests shorten the poll and the back-off by setting this before start-up.
META_WORKER_CONFIG = web.AppKey("meta_worker_config", WorkerConfig)
# The AMI connection (only with AMI_HOST set): whether this process holds it, its status.
AMI = web.AppKey("ami", AmiLink)
# Long-lived WebSockets an area wants closed (GOING_AWAY) when the process shuts down.
WEBSOCKETS = web.AppKey("open_websockets", weakref.WeakSet[web.WebSocketResponse])
# Concurrent public chat sockets per address / visitor / in all (contact_center.chat.socket_caps.py).
CHAT_SOCKETS = web.AppKey("chat_sockets", SocketCaps)
# Concurrent console live sockets per session (agent_console.views.live).
CONSOLE_SOCKETS = web.AppKey("console_sockets", SocketCaps)
# The OpenAPI description each area adds its paths to (contact_center.web.openapi).
OPENAPI = web.AppKey("openapi", dict[str, Any])

# --- hooks a mounted area fills (the console) ---------------------------------------------
# How an error page looks for people: (request, status, Azerbaijani message) -> response.
ErrorPage = Callable[[web.Request, int, str], Awaitable[web.StreamResponse]]
ERROR_PAGE = web.AppKey("error_page", ErrorPage)
# The route a person without a session is sent to (with ?next=).
SIGN_IN_ROUTE = web.AppKey("sign_in_route", str)

# --- the console's page shell (agent_console.layout) ---------------------------------------
NAV_ITEMS = web.AppKey("console_nav_items", list[NavItem])
LAYOUT_PARTS = web.AppKey("console_layout_parts", list[LayoutPart])
TEMPLATE_LOADERS = web.AppKey("console_template_loaders", jinja2.ChoiceLoader)

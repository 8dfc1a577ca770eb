"""A real browser against a real server: headless Debian Chromium driven by Playwright.

`console_server` runs the application in this process on a free port (a real
TCP server, so the browser talks HTTP and WebSocket to it) and can be stopped
and started again on the same port; `page` is a fresh 1366x768 Chromium tab.
Screenshots for the docs go to docs/screenshots/.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright

from contact_center.app import create_app
from contact_center.config import Settings
from tests.plugins.backend import ROOT, free_port
from tests.plugins.console import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
# The README's screenshots: refreshed when CC142_SCREENSHOTS=1 (make screenshots);
# otherwise they go to a temporary folder so a test run leaves the tree clean.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("CC142_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "cc142-screenshots"
)
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        await chromium.close()


class ConsoleServer:
    """The backend on 127.0.0.1:<port>; stop() and start() keep the port."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self.app = create_app(self.settings)
        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@pytest.fixture
async def console_server(settings: Settings, db: object) -> AsyncIterator[ConsoleServer]:
    server = ConsoleServer(settings)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=VIEWPORT, locale="az-AZ", timezone_id="Asia/Baku")
    tab = await context.new_page()
    yield tab
    await context.close()


async def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """Through the real form, with the keyboard, as an agent does."""
    await page.goto(base + "/console/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.press("#password", "Enter")
    await page.wait_for_url(base + "/console")


async def screenshot(page: Page, name: str, **options: object) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), **options)  # type: ignore[arg-type]
    return path

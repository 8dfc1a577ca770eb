"""Console fixtures: users, signing in with a test client, CSRF tokens from pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contact_center.db.models import REFERENCE_MODELS

from contact_center.accounts import UserRow, create_user

PASSWORD = "düzgün-parol-142"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no csrf_token field"
    return match.group(1)


@pytest.fixture
async def restore_reference(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
    """For tests that edit reference data (kept between tests): put it back afterwards."""
    snapshots = {}
    async with sessionmaker() as session:
        for model in REFERENCE_MODELS:
            rows = (await session.execute(select(model.code, model.label, model.sort_order, model.active))).all()
            snapshots[model] = rows
    yield
    async with sessionmaker.begin() as session:
        for model, rows in snapshots.items():
            for code, label, sort_order, active in rows:
                await session.execute(
                    update(model).where(model.code == code).values(label=label, sort_order=sort_order, active=active)
                )


@pytest.fixture
def make_user(
    sessionmaker: async_sessionmaker[AsyncSession], db: object
) -> Callable[..., Awaitable[UserRow]]:
    """`await make_user("aysel", role="agent", extension="1001")` -> UserRow (password PASSWORD)."""

    async def make(username: str, *, role: str = "agent", extension: str | None = None,
                   password: str = PASSWORD, full_name: str = "") -> UserRow:
        async with sessionmaker.begin() as session:
            return await create_user(
                session, username=username, password=password, role=role, extension=extension,
                full_name=full_name or username.capitalize(),  # every account has a name (issue 13)
            )

    return make


async def login(client: Any, username: str, password: str = PASSWORD) -> str:
    """Sign in through the real form; returns the session's CSRF token."""
    page = await client.get("/console/login")
    assert page.status == 200
    token = csrf_from(await page.text())
    resp = await client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    home = await client.get("/console")
    assert home.status == 200
    return csrf_from(await home.text())


async def login_http(http: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in with a plain aiohttp.ClientSession (use CookieJar(unsafe=True) for 127.0.0.1)."""
    async with http.get(base + "/console/login") as page:
        token = csrf_from(await page.text())
    async with http.post(base + "/console/login", allow_redirects=False,
                         data={"username": username, "password": password, "csrf_token": token}) as resp:
        assert resp.status == 303, await resp.text()

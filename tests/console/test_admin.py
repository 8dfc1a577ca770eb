"""Administration: accounts (create, deactivate, reset), reference data, canned responses; the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import aiohttp
from sqlalchemy import select

from contact_center.db.models import CannedResponse, District, User
from tests.plugins.backend import ROOT
from tests.plugins.console import login, login_http


async def test_create_deactivate_and_reset(client, make_user, sessionmaker):
    await make_user("root", role="admin")
    token = await login(client, "root")
    bad = await client.post("/console/admin/users", data={"csrf_token": token, "username": "A B", "role": "agent",
                                                          "password": "short", "extension": "x1"})
    assert bad.status == 422
    html = await bad.text()
    assert "İstifadəçi adı 2-64 simvol" in html and "ən azı 8 simvol" in html and "2-10 rəqəm" in html
    ok = await client.post("/console/admin/users", data={"csrf_token": token, "username": "aysel", "role": "agent",
                                                         "password": "yeni-parol-1", "extension": "1001",
                                                         "full_name": "Aysel Məmmədova"}, allow_redirects=False)
    assert ok.status == 303
    dup = await client.post("/console/admin/users", data={"csrf_token": token, "username": "murad", "role": "agent",
                                                          "password": "yeni-parol-2", "extension": "1001"})
    assert "artıq başqa istifadəçiyə verilib" in await dup.text()
    async with sessionmaker() as session:
        aysel = (await session.execute(select(User).where(User.username == "aysel"))).scalar_one()
    assert aysel.role == "agent" and aysel.extension == "1001" and aysel.password_hash.startswith("$argon2")

    # The new agent signs in elsewhere...
    base = str(client.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        await login_http(other, base, "aysel", "yeni-parol-1")
        async with other.get(base + "/console", allow_redirects=False) as resp:
            assert resp.status == 200
        # ...then the admin deactivates the account: that session ends at once.
        await client.post(f"/console/admin/users/{aysel.id}",
                          data={"csrf_token": token, "role": "agent", "extension": "1001", "full_name": "Aysel"})
        async with other.get(base + "/console", allow_redirects=False) as resp:
            assert resp.status == 303
    async with sessionmaker() as session:
        assert (await session.get(User, aysel.id)).active is False

    mismatch = await client.post(f"/console/admin/users/{aysel.id}/password",
                                 data={"csrf_token": token, "password": "başqa-parol-9", "password2": "x"})
    assert "Şifrələr eyni deyil." in await mismatch.text()
    await client.post(f"/console/admin/users/{aysel.id}",
                      data={"csrf_token": token, "role": "supervisor", "extension": "", "full_name": "Aysel",
                            "active": "1"})
    await client.post(f"/console/admin/users/{aysel.id}/password",
                      data={"csrf_token": token, "password": "başqa-parol-9", "password2": "başqa-parol-9"})
    client.session.cookie_jar.clear()
    await login(client, "aysel", "başqa-parol-9")
    assert (await client.get("/console/agents")).status == 200  # now a supervisor


async def test_an_admin_cannot_lock_themselves_out(client, make_user, sessionmaker):
    root = await make_user("root", role="admin")
    token = await login(client, "root")
    resp = await client.post(f"/console/admin/users/{root.id}", data={"csrf_token": token, "role": "agent"})
    assert resp.status == 422
    async with sessionmaker() as session:
        user = await session.get(User, root.id)
    assert user.active and user.role == "admin"


async def test_reference_data_and_canned_responses(client, make_user, sessionmaker, restore_reference):
    await make_user("root", role="admin")
    await make_user("aysel", extension="1001")
    token = await login(client, "root")
    resp = await client.post("/console/admin/reference/districts/quba",
                             data={"csrf_token": token, "label": "Quba rayonu (yeni)", "sort_order": "5"})
    assert resp.status == 200  # followed the redirect
    bad = await client.post("/console/admin/reference/districts/quba",
                            data={"csrf_token": token, "label": "", "sort_order": "x"})
    assert bad.status == 422 and "Adı boş qoymaq olmaz." in await bad.text()
    async with sessionmaker() as session:
        quba = await session.get(District, "quba")
    assert (quba.label, quba.sort_order, quba.active) == ("Quba rayonu (yeni)", 5, False)
    await client.post("/console/admin/canned", data={"csrf_token": token, "title": "Salam",
                                                    "text": "Salam! Sizə necə kömək edə bilərəm?"})
    async with sessionmaker() as session:
        canned = (await session.execute(select(CannedResponse))).scalar_one()
    assert canned.active and canned.title == "Salam"
    # An inactive district is no longer offered to agents.
    client.session.cookie_jar.clear()
    await login(client, "aysel")
    form = await (await client.get("/console/calls/new")).text()
    assert 'value="quba"' not in form and 'value="qusar"' in form


def test_create_user_command(database_url, db):
    env = {**os.environ, "DATABASE_URL": database_url}
    run = subprocess.run(
        [sys.executable, "-m", "contact_center", "create-user", "Nigar", "--role", "supervisor",
         "--extension", "2001", "--password", "nigar-parol-1", "--full-name", "Nigar Həsənova"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "created supervisor 'nigar'" in run.stdout
    again = subprocess.run(
        [sys.executable, "-m", "contact_center", "create-user", "nigar", "--role", "agent", "--password", "x",
         "--full-name", "Nigar"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert again.returncode == 1
    assert "artıq mövcuddur" in again.stderr and "ən azı 8" in again.stderr

"""Masking everywhere: every console page, fragment, export and API, rendered as
each role and as the API token, shows no number (or name) in full where the
access policy says masked. An agent sees in full only their own call's pop and
form, their claimed callback, the registration they edit."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from aiohttp.test_utils import make_mocked_request

from contact_center.timeutil import local_date
from tests.plugins.backend import API_TOKEN
from tests.plugins.console import login
from tests.privacy.scenario import NAMES, P, build_world, forms

# GET routes under /console that show no records (or are not pages).
NOT_PAGES = {"console_static", "console_login", "console_live_ws"}


def _pages(w, today: str) -> list[str]:
    day = {"from": today, "to": today}
    q = "&".join(f"{k}={v}" for k, v in day.items())
    pages = [
        "/console", "/console/callbacks", "/console/calls", f"/console/calls?{q}", "/console/inbox", "/console/agents",
        f"/console/pbx-calls?{q}", f"/console/conversations?{q}", f"/console/callback-requests?{q}",
        f"/console/reports/monthly?month={today[:7]}", "/console/stats", "/console/wallboard",
        *(f"/console/wallboard/{r}" for r in ("calls", "agents", "chats", "callbacks", "today")),
        "/console/admin/users", f"/console/admin/users/{w.users['aysel']}", "/console/admin/reference",
        "/console/admin/canned", "/console/admin/holidays", "/console/admin/citizen", "/console/admin/audit",
        "/console/parts/urgent", "/console/live/poll",
        "/console/calls/new", "/console/knowledge", "/console/knowledge/social_protection/pension",
        "/console/pause", f"/console/staffing?{q}", f"/console/agents/performance?{q}",
    ]
    for cid in w.calls.values():
        pages += [f"/console/pbx-calls/{cid}/pop", f"/console/calls/new?call={cid}"]
    for bid in w.callbacks.values():
        pages += [f"/console/callbacks/{bid}", f"/console/calls/new?callback={bid}"]
    for rid in w.registrations.values():
        pages += [f"/console/calls/{rid}", f"/console/calls/{rid}/edit"]
    pages += [f"/console/inbox/{c}" for c in w.conversations.values()]
    for path in ("/console/calls", "/console/pbx-calls", "/console/conversations", "/console/callback-requests"):
        pages += [f"{path}?{q}&format=csv", f"{path}?{q}&format=xlsx"]
    return pages


def _apis(today: str) -> list[str]:
    q = f"from={today}&to={today}"
    return [*(f"/api/v1/{n}?{q}" for n in ("calls", "registrations", "callbacks", "conversations")),
            *(f"/api/v1/{n}?cursor=0" for n in ("calls", "registrations", "callbacks", "conversations")),
            f"/api/v1/stats/summary?{q}", f"/api/v1/stats/report?month={today[:7]}",
            f"/api/v1/stats/report?month={today[:7]}&format=xlsx", f"/api/v1/stats/report?month={today[:7]}&format=csv"]


async def _body(resp) -> str:
    raw = await resp.read()
    if raw[:2] == b"PK":  # XLSX or a zip of CSVs: every member's text
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    return raw.decode("utf-8", "replace")


def _full(body: str) -> set[str]:
    """Which numbers and names the body shows in full."""
    shown = {k for k, phone in P.items() if any(f in body for f in forms(phone))}
    shown |= {f"name:{k}" for k, name in NAMES.items() if name in body}
    return shown


async def test_no_unmasked_number_where_the_rule_says_masked(make_client, settings, db, sessionmaker, make_user):
    settings = settings.with_(stats_refresh_seconds=0)
    client = await make_client(settings)
    w = await build_world(client, db, sessionmaker, make_user)
    today = local_date(datetime.now(UTC), settings.tz).isoformat()
    pages = _pages(w, today)
    # The walk covers every console page the router has.
    covered = set()
    for path in pages:
        match = await client.app.router.resolve(make_mocked_request("GET", path.split("?")[0]))
        covered.add(match.route.name)
    console = {r.name for r in client.app.router.routes()
               if r.method == "GET" and r.resource is not None and r.resource.canonical.startswith("/console")}
    assert console - NOT_PAGES - covered == set()

    allowed = {  # (role) -> path -> what it may show in full
        "aysel": {
            f"/console/pbx-calls/{w.calls['call_a']}/pop": {"call_a"},
            f"/console/calls/new?call={w.calls['call_a']}": {"call_a"},
            "/console": {"cb_a"},
            "/console/callbacks": {"cb_a", "name:cb_a"},
            f"/console/callbacks/{w.callbacks['cb_a']}": {"cb_a", "name:cb_a"},
            f"/console/calls/new?callback={w.callbacks['cb_a']}": {"cb_a", "name:cb_a"},
            f"/console/calls/{w.registrations['reg_a']}/edit": {"reg_a", "name:reg_a"},
        },
        "rena": {}, "boss": {},
    }
    seen_somewhere = set()
    for username, may_show in allowed.items():
        c = await make_client(settings)
        await login(c, username)
        for path in pages:
            resp = await c.get(path)
            assert resp.status < 500, (username, path, resp.status)
            shown = _full(await _body(resp))
            seen_somewhere |= shown
            assert shown <= may_show.get(path, set()), (username, path, resp.status, shown)
        for path in _apis(today):
            if username == "aysel":
                continue  # the APIs are the token's and supervisors'
            resp = await c.get(path)
            assert resp.status == 200, (username, path)
            assert _full(await _body(resp)) == set(), (username, path)
    assert seen_somewhere >= {"call_a", "cb_a", "reg_a"}  # the checker does find full numbers

    token = await make_client(settings)
    for path in _apis(today):
        resp = await token.get(path, headers={"Authorization": f"Bearer {API_TOKEN}"})
        assert resp.status == 200, path
        body = await _body(resp)
        assert _full(body) == set(), path
    calls = await (await token.get("/api/v1/calls?cursor=0", headers={"Authorization": f"Bearer {API_TOKEN}"})).json()
    assert {c["caller"] for c in calls["calls"]} == {"+994 50 ••• •• 11", "+994 50 ••• •• 22", "+994 50 ••• •• 33"}

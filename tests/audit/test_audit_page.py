"""The Audit page (admins only: filters, paging, details, links to objects) and
`cc142 audit` (JSON, JSON lines, CSV), over HTTP and the real command."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

from sqlalchemy import text

from tests.helpers import cli
from tests.plugins.console import login

ENTRIES = [
    # at (UTC), actor kind, actor id, actor name, address, action, object type, object id, details
    ("2026-11-01 08:00", "user", 1, "aysel", "10.0.0.1", "sign_in", "user", "1", {}),
    ("2026-11-02 08:00", "user", 1, "aysel", "10.0.0.1", "transcript_viewed", "conversation", "77",
     {"status": "resolved"}),
    ("2026-11-03 08:00", "user", 2, "rena", "10.0.0.2", "export", "registrations", None,
     {"format": "xlsx", "filter": {"from": "2026-10-01"}}),
    ("2026-11-04 08:00", "anonymous", None, "anonymous", "203.0.113.9", "sign_in_failed", "login_name", None,
     {"reason": "invalid"}),
    ("2026-11-05 08:00", "system", None, "system", None, "retention_run", None, None, {"total": 5}),
]


async def _seed(sessionmaker, entries=ENTRIES) -> None:
    async with sessionmaker.begin() as s:
        for at, kind, actor_id, name, address, action, otype, oid, details in entries:
            await s.execute(text(
                "INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, address, action, object_type, "
                "object_id, details) VALUES (:at, :k, :i, :n, :a, :ac, :ot, :oi, "
                "CAST(:d AS jsonb))"),
                {"at": datetime.fromisoformat(at).replace(tzinfo=UTC), "k": kind, "i": actor_id, "n": name, "a": address, "ac": action, "ot": otype,
                 "oi": oid, "d": json.dumps(details)})


def _shown(html: str) -> list[str]:
    return re.findall(r'data-action="([a-z_]+)"', html)


async def test_agents_and_supervisors_get_403(client, make_user):
    await make_user("aysel")
    await make_user("rena", role="supervisor")
    for name in ("aysel", "rena"):
        client.session.cookie_jar.clear()
        await login(client, name)
        assert (await client.get("/console/admin/audit")).status == 403
    client.session.cookie_jar.clear()
    assert (await client.get("/console/admin/audit", allow_redirects=False)).status == 303  # signed out


async def test_an_admin_filters_the_trail(client, make_user, sessionmaker):
    await make_user("boss", role="admin")
    await login(client, "boss")
    await _seed(sessionmaker)

    async def shown(**query) -> list[str]:
        # within the seeded days (the admin's own sign-in today stays out)
        resp = await client.get("/console/admin/audit", params={"from": "2026-11-01", "to": "2026-11-05"} | query)
        assert resp.status == 200
        return _shown(await resp.text())

    page = await client.get("/console/admin/audit", params={"from": "2026-11-01", "to": "2026-11-05"})
    html = await page.text()
    assert _shown(html) == ["retention_run", "sign_in_failed", "export", "transcript_viewed", "sign_in"]
    assert "Uğursuz giriş cəhdi" in html and "203.0.113.9" in html and "&#34;format&#34;: &#34;xlsx&#34;" in html
    assert 'href="/console/inbox/77"' in html  # a link to the object's own page
    assert await shown(actor="aysel") == ["transcript_viewed", "sign_in"]
    assert await shown(actor="AYSEL", action="sign_in") == ["sign_in"]
    assert await shown(object_type="conversation", object_id="77") == ["transcript_viewed"]
    assert await shown(**{"from": "2026-11-03", "to": "2026-11-04"}) == ["sign_in_failed", "export"]
    bad = await client.get("/console/admin/audit", params={"from": "03.11.2026", "action": "nonsense"})
    assert bad.status == 422 and "İİİİ-AA-GG" in await bad.text()


async def test_the_trail_is_paged(client, make_user, sessionmaker):
    await make_user("boss", role="admin")
    await login(client, "boss")
    await _seed(sessionmaker, [(f"2026-10-01 {h:02d}:{m:02d}", "user", 1, "aysel", "10.0.0.1", "sign_in", "user",
                                "1", {}) for h in range(2) for m in range(30)])
    first = await (await client.get("/console/admin/audit", params={"actor": "aysel"})).text()
    assert len(_shown(first)) == 50 and "Səhifə 1 / 2" in first
    assert 'rel="next"' in first
    second = await (await client.get("/console/admin/audit", params={"actor": "aysel", "page": "2"})).text()
    assert len(_shown(second)) == 10 and "Səhifə 2 / 2" in second


async def test_object_pages_link_to_their_trail(client, make_user):
    await make_user("boss", role="admin")
    rena = await make_user("rena", role="supervisor")
    await login(client, "boss")
    html = await (await client.get(f"/console/admin/users/{rena.id}")).text()
    assert f"/console/admin/audit?object_type=user&amp;object_id={rena.id}" in html
    assert "/console/admin/audit?actor=rena" in html


async def test_the_cli_prints_json_jsonl_and_csv(db, database_url, sessionmaker):
    await _seed(sessionmaker)
    done = await cli(database_url, "audit", "--since", "2026-11-02", "--until", "2026-11-04", "--json")
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert [e["action"] for e in entries] == ["transcript_viewed", "export", "sign_in_failed"]
    assert set(entries[0]) == {"id", "at", "actor_kind", "actor_id", "actor_name", "address", "action",
                               "object_type", "object_id", "details"}
    assert entries[1]["details"] == {"format": "xlsx", "filter": {"from": "2026-10-01"}}

    lines = await cli(database_url, "audit", "--actor", "aysel", "--action", "sign_in")
    assert [json.loads(line)["action"] for line in lines.stdout.splitlines()] == ["sign_in"]

    table = await cli(database_url, "audit", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table.stdout.lstrip("\ufeff"))))
    assert [r["action"] for r in rows] == [e[5] for e in ENTRIES]
    assert json.loads(rows[4]["details"]) == {"total": 5}

    empty = await cli(database_url, "audit", "--since", "2030-01-01", "--json")
    assert json.loads(empty.stdout) == []
    bad = await cli(database_url, "audit", "--action", "nonsense")
    assert bad.returncode == 2 and "unknown action" in bad.stderr

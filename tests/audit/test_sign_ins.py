"""Sign-ins, failures, sign-outs and unlocks in the audit trail, done through HTTP
as a user would; failures never store the password or a name that does not exist."""

from __future__ import annotations

import json
from ipaddress import ip_network

from contact_center.accounts.login_throttle import name_key
from tests.helpers import audit_entries, cli
from tests.plugins.console import PASSWORD, csrf_from, login

LOOPBACK = (ip_network("127.0.0.1/32"), ip_network("::1/128"))
ADDRESS = "198.51.100.7"
KEY = "audit-test-key"


async def attempt(client, username: str, password: str, address: str = ADDRESS):
    page = await client.get("/console/login", headers={"X-Forwarded-For": address})
    return await client.post(
        "/console/login", headers={"X-Forwarded-For": address}, allow_redirects=False,
        data={"username": username, "password": password, "csrf_token": csrf_from(await page.text())},
    )


async def test_sign_in_and_sign_out_are_recorded_with_the_client_address(make_client, settings, make_user,
                                                                          sessionmaker):
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK))
    aysel = await make_user("aysel")
    assert (await attempt(client, "aysel", PASSWORD)).status == 303
    home = await client.get("/console", headers={"X-Forwarded-For": ADDRESS})
    await client.post("/console/logout", data={"csrf_token": csrf_from(await home.text())},
                      headers={"X-Forwarded-For": ADDRESS})
    [sign_in, sign_out] = await audit_entries(sessionmaker, "sign_in", "sign_out")
    for entry, action in ((sign_in, "sign_in"), (sign_out, "sign_out")):
        assert entry.action == action
        assert (entry.actor_kind, entry.actor_id, entry.actor_name) == ("user", aysel.id, "aysel")
        assert (entry.object_type, entry.object_id, entry.address) == ("user", str(aysel.id), ADDRESS)


async def test_failures_name_the_account_but_never_the_password(make_client, settings, make_user, sessionmaker):
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK, pseudonym_key=KEY))
    aysel = await make_user("aysel")
    assert (await attempt(client, "aysel", "Sirr-parol-1")).status == 401
    assert (await attempt(client, "Sirr-parol-2", "Sirr-parol-2")).status == 401  # password typed as the name
    [known, unknown] = await audit_entries(sessionmaker, "sign_in_failed")
    assert (known.action, known.actor_kind, known.object_type, known.object_id, known.address) == (
        "sign_in_failed", "anonymous", "user", str(aysel.id), ADDRESS)
    assert known.details == {"reason": "invalid"}
    # An unknown name is kept only as its keyed hash: the trail cannot be mined for typos.
    assert (unknown.action, unknown.object_type) == ("sign_in_failed", "login_name")
    assert unknown.object_id == name_key("Sirr-parol-2", KEY)
    text = json.dumps([[e.actor_name, e.object_id, e.details] for e in (known, unknown)])
    assert "Sirr-parol" not in text and "sirr-parol" not in text


async def test_a_throttled_attempt_is_audited_too(make_client, settings, make_user, sessionmaker):
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK, login_max_failures=2))
    await make_user("aysel")
    statuses = [(await attempt(client, "aysel", "wrong-password")).status for _ in range(3)]
    assert statuses == [401, 401, 429]
    entries = await audit_entries(sessionmaker, "sign_in_failed")
    assert [e.details["reason"] for e in entries] == ["invalid", "invalid", "throttled"]


async def test_unlocking_from_the_console_and_the_cli_is_audited(make_client, settings, make_user, sessionmaker):
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK))
    boss = await make_user("boss", role="admin")
    rena = await make_user("rena", role="supervisor")
    await attempt(client, "boss", PASSWORD)
    home = await client.get("/console", headers={"X-Forwarded-For": ADDRESS})
    resp = await client.post(f"/console/admin/users/{rena.id}/unlock", allow_redirects=False,
                             data={"csrf_token": csrf_from(await home.text())}, headers={"X-Forwarded-For": ADDRESS})
    assert resp.status == 303
    assert (await cli(settings.database_url, "unlock-user", "rena")).returncode == 0
    [console, command] = await audit_entries(sessionmaker, "account_unlocked")
    assert (console.actor_id, console.actor_name, console.address) == (boss.id, "boss", ADDRESS)
    assert (console.object_type, console.object_id, console.details) == ("user", str(rena.id), {"via": "console"})
    assert (command.actor_kind, command.object_id, command.details) == ("system", str(rena.id), {"via": "cli"})


async def test_an_agent_cannot_unlock(client, make_user):
    await make_user("aysel")
    rena = await make_user("rena", role="supervisor")
    token = await login(client, "aysel")
    resp = await client.post(f"/console/admin/users/{rena.id}/unlock", data={"csrf_token": token},
                             allow_redirects=False)
    assert resp.status == 403

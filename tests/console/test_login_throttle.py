"""Sign-in throttling as an attacker would try it (issue 13): nobody can lock the
real user out from another address, unknown and known names answer alike, a
shift behind one NAT signs in at once, and an admin can lift a lock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from ipaddress import ip_network

import aiohttp
from sqlalchemy import select, update

from contact_center.db.models import LoginFailure, LoginLock, User
from tests.helpers import cli
from tests.plugins.console import PASSWORD, csrf_from, login

LOOPBACK = (ip_network("127.0.0.1/32"), ip_network("::1/128"))
OFFICE = "198.51.100.10"
ATTACKER = "203.0.113.66"


async def attempt(client, username: str, password: str, address: str):
    page = await client.get("/console/login", headers={"X-Forwarded-For": address})
    token = csrf_from(await page.text())
    return await client.post(
        "/console/login", headers={"X-Forwarded-For": address}, allow_redirects=False,
        data={"username": username, "password": password, "csrf_token": token},
    )


async def statuses(client, username: str, password: str, address: str, n: int) -> list[int]:
    return [(await attempt(client, username, password, address)).status for _ in range(n)]


async def proxied(make_client, settings, **overrides):
    return await make_client(settings.with_(trusted_proxies=LOOPBACK, **overrides))


async def test_five_wrong_passwords_do_not_lock_the_supervisor_out_elsewhere(make_client, settings, make_user):
    client = await proxied(make_client, settings)
    await make_user("rena", role="supervisor")
    assert await statuses(client, "rena", "wrong-password", ATTACKER, 5) == [401] * 5
    # The attacker's own sixth try waits (the password is not even checked)...
    slowed = await attempt(client, "rena", PASSWORD, ATTACKER)
    assert slowed.status == 429 and int(slowed.headers["Retry-After"]) >= 1
    # ...while the real supervisor at the office signs in at once.
    client.session.cookie_jar.clear()
    assert (await attempt(client, "rena", PASSWORD, OFFICE)).status == 303
    assert (await client.get("/console", allow_redirects=False)).status == 200


async def test_known_and_unknown_names_get_the_same_sequence_of_answers(make_client, settings, make_user):
    client = await proxied(make_client, settings)
    await make_user("rena", role="supervisor")
    known = await statuses(client, "rena", "wrong-password", "192.0.2.1", 6)
    unknown = await statuses(client, "renaa", "wrong-password", "192.0.2.2", 6)
    assert known == unknown == [401, 401, 401, 401, 401, 429]
    # and the same page text at each step
    texts = [await (await attempt(client, name, "wrong", addr)).text()
             for name, addr in (("rena", "192.0.2.1"), ("renaa", "192.0.2.2"))]
    assert all("Çox sayda uğursuz cəhd" in t for t in texts)


async def test_the_delay_grows_and_then_lets_the_pair_try_again(make_client, settings, make_user, sessionmaker):
    client = await proxied(make_client, settings)
    await make_user("rena", role="supervisor")
    await statuses(client, "rena", "wrong-password", ATTACKER, 5)
    first = int((await attempt(client, "rena", "wrong-password", ATTACKER)).headers["Retry-After"])
    async def age(seconds: int) -> None:  # the failures happened that long ago
        async with sessionmaker.begin() as s:
            await s.execute(update(LoginFailure).values(at=LoginFailure.at - timedelta(seconds=seconds)))
    await age(first + 1)
    assert (await attempt(client, "rena", "wrong-password", ATTACKER)).status == 401  # checked again: wrong
    second = int((await attempt(client, "rena", PASSWORD, ATTACKER)).headers["Retry-After"])
    assert second > first  # each further failure waits longer
    await age(second + 1)
    assert (await attempt(client, "rena", PASSWORD, ATTACKER)).status == 303


async def test_a_shift_of_a_hundred_agents_behind_one_nat_signs_in_at_once(make_client, settings, make_user,
                                                                             sessionmaker):
    client = await proxied(make_client, settings)
    first = await make_user("agent000")
    async with sessionmaker.begin() as s:  # one argon2 hash for all: the machine is slow enough
        password_hash = (await s.execute(select(User.password_hash).where(User.id == first.id))).scalar_one()
        s.add_all(User(username=f"agent{n:03d}", full_name=f"Agent {n}", password_hash=password_hash, role="agent")
                  for n in range(1, 100))
    gate = asyncio.Semaphore(20)  # twenty browsers at a time, each with its own cookies

    async def sign_in(n: int) -> int:
        async with gate, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            base = str(client.make_url(""))
            headers = {"X-Forwarded-For": OFFICE}
            async with browser.get(base + "/console/login", headers=headers) as page:
                token = csrf_from(await page.text())
            async with browser.post(base + "/console/login", headers=headers, allow_redirects=False,
                                    data={"username": f"agent{n:03d}", "password": PASSWORD,
                                          "csrf_token": token}) as resp:
                return resp.status

    answers = await asyncio.gather(*(sign_in(n) for n in range(100)))
    assert answers == [303] * 100  # today's per-address limit refused the 31st


async def test_the_per_address_limit_counts_failures_only(make_client, settings, make_user):
    client = await proxied(make_client, settings, login_failures_per_address=4)
    await make_user("aysel")
    for n in range(6):  # successes do not count
        client.session.cookie_jar.clear()
        assert (await attempt(client, "aysel", PASSWORD, OFFICE)).status == 303
    client.session.cookie_jar.clear()
    # a spray over many names from one address: 4 failures, then the address waits
    sprayed = [(await attempt(client, f"name{n}", "Parol123", ATTACKER)).status for n in range(5)]
    assert sprayed == [401, 401, 401, 401, 429]
    client.session.cookie_jar.clear()
    assert (await attempt(client, "aysel", PASSWORD, ATTACKER)).status == 429
    assert (await attempt(client, "aysel", PASSWORD, OFFICE)).status == 303


async def test_failures_from_many_addresses_lock_the_name_until_an_admin_unlocks_it(
    make_client, settings, make_user, sessionmaker
):
    client = await proxied(make_client, settings, login_lock_addresses=3)
    await make_user("rena", role="supervisor")
    await make_user("boss", role="admin")
    for n in range(3):
        assert (await attempt(client, "rena", "wrong-password", f"203.0.113.{n + 1}")).status == 401
    locked = await attempt(client, "rena", PASSWORD, OFFICE)
    assert locked.status == 429 and "bloklanıb" in await locked.text()
    # An unknown name gets the same lock from the same pattern.
    for n in range(3):
        assert (await attempt(client, "nobody", "wrong-password", f"203.0.113.{n + 1}")).status == 401
    assert (await attempt(client, "nobody", PASSWORD, OFFICE)).status == 429

    # The admin sees the lock on the user's page and lifts it.
    client.session.cookie_jar.clear()
    token = await login(client, "boss")
    async with sessionmaker() as s:
        rena = (await s.execute(select(User).where(User.username == "rena"))).scalar_one()
    page = await client.get(f"/console/admin/users/{rena.id}")
    assert "Blokdan çıxar" in await page.text()
    resp = await client.post(f"/console/admin/users/{rena.id}/unlock", data={"csrf_token": token},
                             allow_redirects=False)
    assert resp.status == 303
    client.session.cookie_jar.clear()
    assert (await attempt(client, "rena", PASSWORD, OFFICE)).status == 303
    async with sessionmaker() as s:
        assert (await s.execute(select(User.locked_until).where(User.id == rena.id))).scalar_one() is None


async def test_unlock_user_command(make_client, settings, make_user, sessionmaker):
    client = await proxied(make_client, settings, login_lock_addresses=2)
    await make_user("rena", role="supervisor")
    for n in range(2):
        await attempt(client, "rena", "wrong-password", f"203.0.113.{n + 1}")
    assert (await attempt(client, "rena", PASSWORD, OFFICE)).status == 429
    done = await cli(settings.database_url, "unlock-user", "rena")
    assert done.returncode == 0 and "rena" in done.stdout
    async with sessionmaker() as s:
        assert (await s.execute(select(LoginLock))).first() is None
    assert (await attempt(client, "rena", PASSWORD, OFFICE)).status == 303
    assert (await cli(settings.database_url, "unlock-user", "nobody")).returncode == 1

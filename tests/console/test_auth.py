"""Signing in and out: cookies, wrong passwords, deactivated accounts (throttling: test_login_throttle.py)."""

from __future__ import annotations

from http.cookies import SimpleCookie

from sqlalchemy import select

from contact_center.db.models import User
from tests.plugins.console import PASSWORD, csrf_from, login


async def _login_attempt(client, username: str, password: str):
    page = await client.get("/console/login")
    token = csrf_from(await page.text())
    return await client.post(
        "/console/login", data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
    )


def _set_cookie(resp, name: str) -> str:
    for header in resp.headers.getall("Set-Cookie", []):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no Set-Cookie for {name}")


async def test_sign_in_sets_a_protected_cookie_and_signs_out(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001", full_name="Aysel Məmmədova")
    resp = await _login_attempt(client, "aysel", PASSWORD)
    assert resp.status == 303 and resp.headers["Location"] == "/console"
    cookie = _set_cookie(resp, "cc142_session").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    home = await client.get("/console")
    assert "Aysel Məmmədova" in await home.text()
    async with sessionmaker() as session:
        assert (await session.execute(select(User.status).where(User.username == "aysel"))).scalar_one() == "available"

    token = csrf_from(await home.text())
    out = await client.post("/console/logout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status == 303
    assert (await client.get("/console", allow_redirects=False)).status == 303  # signed out
    async with sessionmaker() as session:
        assert (await session.execute(select(User.status).where(User.username == "aysel"))).scalar_one() == "offline"


async def test_secure_cookies_setting(make_client, settings, make_user):
    client = await make_client(settings.with_(secure_cookies=True))
    await make_user("aysel")
    # The test server speaks plain HTTP, so the client does not send Secure
    # cookies back by itself: pass the pre-session cookie by hand.
    page = await client.get("/console/login")
    pre = SimpleCookie(_set_cookie(page, "cc142_csrf"))["cc142_csrf"]
    assert pre["secure"] and pre["httponly"]
    resp = await client.post(
        "/console/login",
        data={"username": "aysel", "password": PASSWORD, "csrf_token": csrf_from(await page.text())},
        headers={"Cookie": f"cc142_csrf={pre.value}"},
        allow_redirects=False,
    )
    assert resp.status == 303
    morsel = SimpleCookie(_set_cookie(resp, "cc142_session"))["cc142_session"]
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Lax"


async def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user):
    await make_user("aysel")
    wrong = await _login_attempt(client, "aysel", "not-the-password")
    unknown = await _login_attempt(client, "nobody", "not-the-password")
    assert wrong.status == unknown.status == 401
    assert "İstifadəçi adı və ya şifrə yanlışdır." in await wrong.text()
    assert "İstifadəçi adı və ya şifrə yanlışdır." in await unknown.text()
    assert (await client.get("/console", allow_redirects=False)).status == 303


async def test_empty_fields_are_named(client):
    resp = await _login_attempt(client, "", "")
    assert resp.status == 422
    text = await resp.text()
    assert "İstifadəçi adını daxil edin." in text and "Şifrəni daxil edin." in text


async def test_a_deactivated_account_answers_like_a_wrong_password(client, make_user, sessionmaker):
    await make_user("aysel")
    async with sessionmaker.begin() as session:
        user = (await session.execute(select(User).where(User.username == "aysel"))).scalar_one()
        user.active = False
    resp = await _login_attempt(client, "aysel", PASSWORD)
    assert resp.status == 401
    text = await resp.text()
    assert "İstifadəçi adı və ya şifrə yanlışdır." in text and "deaktiv" not in text
    assert (await client.get("/console", allow_redirects=False)).status == 303


async def test_sign_in_returns_to_the_page_asked_for_but_never_elsewhere(client, make_user):
    await make_user("aysel")
    page = await client.get("/console/callbacks")  # redirected to the form
    text = await page.text()
    assert 'name="next" value="/console/callbacks"' in text
    resp = await client.post(
        "/console/login",
        data={"username": "aysel", "password": PASSWORD, "csrf_token": csrf_from(text), "next": "/console/callbacks"},
        allow_redirects=False,
    )
    assert resp.headers["Location"] == "/console/callbacks"
    client.session.cookie_jar.clear()
    page = await client.get("/console/login")
    resp = await client.post(
        "/console/login",
        data={"username": "aysel", "password": PASSWORD, "csrf_token": csrf_from(await page.text()),
              "next": "https://evil.example/"},
        allow_redirects=False,
    )
    assert resp.headers["Location"] == "/console"


async def test_a_session_of_a_signed_in_user_survives_only_until_sign_out(client, make_user):
    await make_user("aysel")
    token = await login(client, "aysel")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["cc142_session"].value
    await client.post("/console/logout", data={"csrf_token": token})
    # Replaying the old cookie does not work: the session is gone from the database.
    client.session.cookie_jar.update_cookies({"cc142_session": cookie})
    assert (await client.get("/console", allow_redirects=False)).status == 303

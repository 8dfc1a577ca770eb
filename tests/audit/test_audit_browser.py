"""The Audit page in Chromium, as an administrator uses it: from the menu, a
filter by action, the entry, and on to the account it was about."""

from __future__ import annotations

from playwright.async_api import expect

from tests.plugins.browser import screenshot, sign_in


async def test_an_admin_finds_a_failed_sign_in_and_opens_the_account(page, console_server, make_user):
    await make_user("boss", role="admin", full_name="Rəna Quliyeva")
    await make_user("aysel", extension="1001", full_name="Aysel Məmmədova")
    base = console_server.url
    # Someone tries aysel's account with a wrong password.
    await page.goto(base + "/console/login")
    await page.fill("#username", "aysel")
    await page.fill("#password", "yanlış-parol")
    await page.press("#password", "Enter")
    await expect(page.get_by_text("İstifadəçi adı və ya şifrə yanlışdır.")).to_be_visible()

    await sign_in(page, base, "boss")
    await page.get_by_role("link", name="Audit").click()
    await expect(page.locator("h1")).to_have_text("Audit")
    await page.select_option("#r-action", "sign_in_failed")
    await page.get_by_role("button", name="Göstər").click()
    rows = page.locator("#audit tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Uğursuz giriş cəhdi")
    await expect(rows.first).to_contain_text("127.0.0.1")
    await expect(rows.first).to_contain_text('"reason": "invalid"')
    await screenshot(page, "audit")
    await rows.first.locator("td:nth-child(5) a").first.click()
    await expect(page.locator("h1")).to_have_text("İstifadəçi: aysel")
    await expect(page.get_by_role("button", name="Blokdan çıxar")).to_be_visible()

"""Done-when of the knowledge base, in Chromium with the real bot: a supervisor
edits an answer in the console ("Bilik bazası") and the citizen's next answer
in the widget shows it, with no training. And the widget's AZ | RU switch:
the interface, the bot's callback form prompts and validation messages follow
the citizen's choice, which the widget remembers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, FrameLocator, Page, expect

from contact_center.knowledge import answers
from tests.plugins.browser import VIEWPORT, ConsoleServer, screenshot, sign_in

SHIPPED = {a["key"]: a for a in answers()}
KEY = "general/call_centre"


@pytest.fixture
async def bot_server(settings, rasa_server, db) -> AsyncIterator[ConsoleServer]:
    server = ConsoleServer(settings.with_(rasa_url=rasa_server.url, rasa_timeout_seconds=30.0))
    await server.start()
    yield server
    await server.stop()


async def ask(chat: Page | FrameLocator, text: str) -> None:
    box = chat.locator("#text")
    before = await chat.locator("li.msg").count()
    await box.fill(text)
    await box.press("Enter")
    await expect(chat.locator("li.msg.citizen.sending")).to_have_count(0)
    await expect(chat.locator("li.msg")).not_to_have_count(before + 1)


async def test_an_edit_in_the_console_is_the_next_answer_in_the_widget(browser: Browser, bot_server, make_user):
    await make_user("nigar", role="supervisor", full_name="Nigar Əliyeva")
    citizen_ctx = await browser.new_context(viewport=VIEWPORT, locale="az-AZ")
    editor_ctx = await browser.new_context(viewport=VIEWPORT, locale="az-AZ", timezone_id="Asia/Baku")
    citizen, editor = await citizen_ctx.new_page(), await editor_ctx.new_page()
    try:
        await citizen.goto(bot_server.url + "/chat")
        await ask(citizen, "142 çağrı mərkəzi nə iş görür?")
        await expect(citizen.locator("li.msg.bot").last).to_contain_text(SHIPPED[KEY]["text"]["az"][:60])

        await sign_in(editor, bot_server.url, "nigar")
        await editor.get_by_role("link", name="Bilik bazası").click()
        await editor.get_by_label("Axtarış").fill("çağrı mərkəzi")
        await editor.get_by_role("button", name="Axtar").click()
        await editor.get_by_role("link", name=KEY).click()
        added = " Zəng pulsuzdur, həftənin 7 günü."
        az_box = editor.get_by_label("Azərbaycanca")
        await az_box.fill(SHIPPED[KEY]["text"]["az"] + added)
        await editor.get_by_role("button", name="Önizləmə").click()
        await expect(editor.locator(".kb-preview")).to_contain_text(added.strip())
        await screenshot(editor, "knowledge_base_edit")
        await editor.get_by_role("button", name="Saxla").click()
        await expect(editor.locator(".flash")).to_contain_text("Saxlanıldı")

        await ask(citizen, "142 qaynar xətti haqqında məlumat verin")
        await expect(citizen.locator("li.msg.bot").last).to_contain_text(added.strip())
    finally:
        await citizen_ctx.close()
        await editor_ctx.close()


async def test_the_ru_switch_drives_the_interface_and_the_callback_form(browser: Browser, bot_server):
    ctx = await browser.new_context(viewport=VIEWPORT, locale="az-AZ")
    chat = await ctx.new_page()
    try:
        await chat.goto(bot_server.url + "/chat")
        await expect(chat.locator("#text")).to_have_attribute("placeholder", "Mesajınızı yazın…")
        await chat.get_by_role("button", name="RU").click()
        await expect(chat.get_by_role("button", name="RU")).to_have_attribute("aria-pressed", "true")
        await expect(chat.locator("#text")).to_have_attribute("placeholder", "Напишите сообщение…")
        await expect(chat.locator("li.welcome")).to_contain_text("Здравствуйте!")
        await expect(chat.locator("#send")).to_have_text("Отправить")

        # Written with Azerbaijani words, answered in the chosen language.
        await ask(chat, "Zəng sifariş etmək istəyirəm")
        await expect(chat.locator("li.msg.bot", has_text="Напишите номер")).to_be_visible()
        await ask(chat, "12345")
        await expect(chat.locator("li.msg.bot", has_text="Этот номер выглядит неверным")).to_be_visible()
        await screenshot(chat, "chat_widget_ru")

        # Remembered: after a reload the interface is still Russian.
        await chat.reload()
        await expect(chat.locator("#text")).to_have_attribute("placeholder", "Напишите сообщение…")
        await expect(chat.locator("#status")).to_have_text("Виртуальный помощник")
        await chat.get_by_role("button", name="AZ").click()
        await expect(chat.locator("#status")).to_have_text("Virtual köməkçi")
    finally:
        await ctx.close()


async def test_without_a_choice_the_interface_follows_the_conversation(browser: Browser, bot_server):
    ctx = await browser.new_context(viewport=VIEWPORT, locale="az-AZ")
    chat = await ctx.new_page()
    try:
        await chat.goto(bot_server.url + "/chat")
        await ask(chat, "Как встать на учёт как безработный?")
        await expect(chat.locator("#text")).to_have_attribute("placeholder", "Напишите сообщение…")
        await expect(chat.get_by_role("button", name="RU")).to_have_attribute("aria-pressed", "true")
    finally:
        await ctx.close()

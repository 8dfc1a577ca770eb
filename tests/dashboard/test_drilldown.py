"""From a figure to the records behind it: each link of the dashboard opens a
list with exactly the records the figure counts, for the same period and filters."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import text

from tests.dashboard.conftest import AUGUST, get_html, list_ids, tile, total


async def _call_ids(db, *enqueued: str) -> list[int]:
    """Ids of the fixture's calls by their Baku queue time (fixture_august.py names them so)."""
    async with db.connect() as conn:
        rows = await conn.execute(text("SELECT pbx_call_id, id FROM calls"))
        by_time = {p.split("-142-")[0].split("-555-")[0][2:]: i for p, i in rows}
    return sorted(by_time[t] for t in enqueued)


def _line(t: dict, prefix: str) -> str:
    return next(h for h, label in t["lines"] if label.startswith(prefix))


async def _ids(client, href: str, attr: str = "data-call") -> list[int]:
    html = await get_html(client, href)
    assert total(html) == len(list_ids(html, attr))  # one page here
    return sorted(list_ids(html, attr))


async def test_call_tiles_open_their_calls(supervisor, august, db):
    html = await get_html(supervisor, "/console/stats", AUGUST)
    c1, c2, c3, c4, c5, c6, c7, c8, c10 = await _call_ids(
        db, "2024-08-05 10:00:00", "2024-08-05 10:30:00", "2024-08-05 11:00:00", "2024-08-06 09:00:00",
        "2024-08-06 09:10:00", "2024-08-06 09:20:00", "2024-08-06 09:30:00", "2024-08-07 15:00:00",
        "2024-08-01 02:00:00")
    assert await _ids(supervisor, tile(html, "offered")["href"]) == sorted([c1, c2, c3, c4, c5, c6, c7, c8, c10])
    assert await _ids(supervisor, tile(html, "answered")["href"]) == sorted([c1, c2, c3, c8, c10])
    abandoned = tile(html, "abandoned")
    assert await _ids(supervisor, abandoned["href"]) == [c4, c5, c6]  # abandoned twice, timed out once
    assert await _ids(supervisor, _line(abandoned, "Qısa")) == [c4]  # waited 3 s
    assert await _ids(supervisor, _line(abandoned, "Qısalar çıxılmaqla")) == [c5, c6]
    assert await _ids(supervisor, _line(tile(html, "offered"), "Hələ növbədə")) == [c7]
    # Answered later than the service level (20 s): c2 waited 25 s; c3's 20.5 s counts as 20 s.
    assert await _ids(supervisor, _line(tile(html, "service_level"), "20 saniyədən gec")) == [c2]
    assert await _ids(supervisor, tile(html, "service_level")["href"]) == sorted([c1, c3, c8, c10])
    # The slowest tenth: waits of at least the 90th percentile (60 s).
    assert await _ids(supervisor, _line(tile(html, "wait"), "90 %")) == [c6]


async def test_chart_bars_open_their_calls(supervisor, august, db):
    html = await get_html(supervisor, "/console/stats", AUGUST)
    c1, c2, c3, c4, c5, c6, c7 = await _call_ids(
        db, "2024-08-05 10:00:00", "2024-08-05 10:30:00", "2024-08-05 11:00:00", "2024-08-06 09:00:00",
        "2024-08-06 09:10:00", "2024-08-06 09:20:00", "2024-08-06 09:30:00")
    by_day = re.search(r'id="chart-by-day".*?</figure>', html, re.S).group(0)
    bar = unescape(re.search(r'<a href="([^"]+)" aria-label="06.08.2024: 4"', by_day).group(1))
    assert await _ids(supervisor, bar) == [c4, c5, c6, c7]
    by_hour = re.search(r'id="chart-by-hour".*?</figure>', html, re.S).group(0)
    nine = unescape(re.search(r'<a href="([^"]+)" aria-label="09:00–09:59 · Daxil olan: 4"', by_hour).group(1))
    assert await _ids(supervisor, nine) == [c4, c5, c6, c7]
    # Each bin of the wait-time chart lists the calls whose whole-second wait falls in it,
    # as many as the bin counts (its data table says how many).
    waits = re.search(r'id="chart-waits".*?</figure>', html, re.S).group(0)
    rows = re.findall(r'<tr><th scope="row"><a href="([^"]+)">([^<]+)</a></th><td class="num">(\d+)</td>'
                      r'<td class="num">(\d+)</td></tr>', waits)
    assert rows, "the wait chart's table lists its bins"
    listed = []
    for href, _label, answered, unanswered in rows:
        ids = await _ids(supervisor, unescape(href))
        assert len(ids) == int(answered) + int(unanswered)
        listed += ids
    assert sorted(listed) == sorted(await _call_ids(
        db, "2024-08-05 10:00:00", "2024-08-05 10:30:00", "2024-08-05 11:00:00", "2024-08-06 09:00:00",
        "2024-08-06 09:10:00", "2024-08-06 09:20:00", "2024-08-07 15:00:00", "2024-08-01 02:00:00"))
    assert c1 in listed and c7 not in listed  # still in the queue: no wait yet


async def test_registered_calls_are_listed_as_the_figures_count_them(supervisor, august):
    html = await get_html(supervisor, "/console/stats", AUGUST)
    registered = tile(html, "registered")["href"]
    assert "stats=1" in registered
    page = await get_html(supervisor, registered)
    assert total(page) == 4 and "Statistikadakı kimi" in page
    baku = await get_html(supervisor, tile(html, "baku_share")["href"])
    assert total(baku) == 2 and baku.count("Xətai") >= 2
    regions = await get_html(supervisor, _line(tile(html, "baku_share"), "Regionlar"))
    assert total(regions) == 2 and "Gəncə" in regions and "Sumqayıt" in regions
    directions = re.search(r'id="chart-by-direction".*?</figure>', html, re.S).group(0)
    employment = unescape(re.search(r'<a href="([^"]+)" aria-label="Məşğulluq: ', directions).group(1))
    assert total(await get_html(supervisor, employment)) == 1  # c2


async def test_links_keep_the_filters(supervisor, august, db):
    c2, c8 = await _call_ids(db, "2024-08-05 10:30:00", "2024-08-07 15:00:00")
    html = await get_html(supervisor, "/console/stats", AUGUST | {"agent": "1002"})
    assert await _ids(supervisor, tile(html, "answered")["href"]) == [c2, c8]
    page = await get_html(supervisor, tile(html, "registered")["href"])
    assert total(page) == 2  # registered by 1002 for the calls 1002 answered
    html = await get_html(supervisor, "/console/stats", AUGUST | {"queue": "555"})
    assert await _ids(supervisor, tile(html, "offered")["href"]) == [c8]
    assert total(await get_html(supervisor, tile(html, "registered")["href"])) == 1  # not the one entered by hand


async def test_chats_and_callbacks_open_their_records(supervisor, august):
    html = await get_html(supervisor, "/console/stats", AUGUST)
    chats = await get_html(supervisor, tile(html, "chats")["href"])
    assert total(chats) == 5
    containment = tile(html, "containment")
    assert total(await get_html(supervisor, _line(containment, "Çatbotun özü"))) == 2
    assert total(await get_html(supervisor, _line(containment, "Operatora"))) == 3
    assert total(await get_html(supervisor, tile(html, "csat")["href"])) == 2  # scored 5 and 4
    assert total(await get_html(supervisor, _line(tile(html, "csat"), "Qiymətləndirmə"))) == 3
    channels = re.search(r'id="chart-channels".*?</figure>', html, re.S).group(0)
    facebook = unescape(re.search(r'<a href="([^"]+)" aria-label="Facebook: 2', channels).group(1))
    fb = await get_html(supervisor, facebook)
    assert total(fb) == 2 and fb.count("<td>Facebook</td>") == 2
    cb = tile(html, "callbacks")
    within = await get_html(supervisor, cb["href"])
    assert total(within) == 1  # first attempt at 09:50, due 10:15
    assert total(await get_html(supervisor, _line(cb, "Sorğu"))) == 4
    assert total(await get_html(supervisor, _line(cb, "Tamamlanıb"))) == 2
    recovered = await get_html(supervisor, _line(cb, "Buraxılmış zəng bərpası"))
    assert total(recovered) == 1 and "Buraxılmış zəng" in recovered


async def test_every_link_on_the_dashboard_opens(supervisor, august):
    html = await get_html(supervisor, "/console/stats", AUGUST)
    hrefs = {unescape(h) for h in re.findall(r'href="(/console/(?:pbx-calls|calls|conversations|callback-requests)'
                                             r'\?[^"]+)"', html)}
    assert len(hrefs) > 40
    for href in hrefs:
        page = await get_html(supervisor, href)
        assert "from=2024-08-" in href
        assert total(page) > 0, href  # a figure links only to records that exist


async def test_lists_page_and_explain_bad_filters(supervisor, stats_data):
    for n in range(55):
        await stats_data.call(f"2024-08-05 10:{n:02d}:00", wait=n % 30, talk=60, agent="1001", call_id=f"p-{n}")
    first = await get_html(supervisor, "/console/pbx-calls", {"from": "2024-08-05", "to": "2024-08-05"})
    assert total(first) == 55 and len(list_ids(first, "data-call")) == 50
    nxt = unescape(re.search(r'<a href="([^"]+)" rel="next"', first).group(1))
    second = await get_html(supervisor, nxt)
    assert len(list_ids(second, "data-call")) == 5
    assert not set(list_ids(first, "data-call")) & set(list_ids(second, "data-call"))
    bad = await get_html(supervisor, "/console/pbx-calls", {"from": "2024-08-05", "wait_from": "abc",
                                                            "status": "lost"}, status=422)
    assert "0 ilə 86400 arasında tam ədəd yazın." in bad and "Siyahıdan seçin." in bad
    bad = await get_html(supervisor, "/console/conversations", {"from": "05.08.2024"}, status=422)
    assert "Tarixi İİİİ-AA-GG formatında yazın." in bad
    bad = await get_html(supervisor, "/console/callback-requests", {"from": "2024-08-05", "to": "2024-08-01"},
                         status=422)
    assert "Son tarix başlanğıc tarixindən əvvəl ola bilməz." in bad


async def test_registrations_count_on_their_calls_queue_day(supervisor, stats_data):
    agent = await stats_data.user("1001")
    # Entered the queue at 23:59:50 on 31 August, answered (and registered) on 1 September.
    late = await stats_data.call("2024-08-31 23:59:50", wait=15, talk=60, agent="1001")
    await stats_data.register(agent, call_id=late)
    outbound = await stats_data.call("2024-08-20 10:00:00", wait=1, talk=60, agent="1001", direction="outbound")
    await stats_data.register(agent, call_id=outbound)  # outbound calls are never offered nor counted
    html = await get_html(supervisor, "/console/stats", AUGUST)
    assert tile(html, "registered")["value"] == "1"
    assert total(await get_html(supervisor, tile(html, "registered")["href"])) == 1
    # The plain list (by the time of the conversation) puts it in September, as an agent expects.
    plain = await get_html(supervisor, "/console/calls", {"from": "2024-08-01", "to": "2024-08-31"})
    assert total(plain) == 1  # only the outbound one, on 20 August
    september = await get_html(supervisor, "/console/calls", {"from": "2024-09-01", "to": "2024-09-30",
                                                               "stats": "1"})
    assert total(september) == 0


async def test_the_language_filter_reaches_the_chat_list(supervisor, august, db):
    """Under `language` the dashboard counts chats in that language only, and the chat
    tile's list shows exactly those (the records API takes the same filter)."""
    async with db.begin() as conn:
        ids = [i for (i,) in await conn.execute(text(
            "SELECT id FROM conversations WHERE channel IN ('web_chat', 'facebook', 'instagram') ORDER BY id"))]
        await conn.execute(text("UPDATE conversations SET language = 'ru' WHERE id = :i"), {"i": ids[0]})
        await conn.execute(text("UPDATE conversations SET language = 'az' WHERE id = ANY(:i)"), {"i": ids[1:]})
    for language, expected in (("ru", [ids[0]]), ("az", ids[1:])):
        html = await get_html(supervisor, "/console/stats", AUGUST | {"language": language})
        chats = tile(html, "chats")
        assert f"language={language}" in chats["href"] and chats["value"] == str(len(expected))
        href = chats["href"]
        listed = await get_html(supervisor, href)
        assert sorted(list_ids(listed, "data-conversation")) == expected
    await get_html(supervisor, "/console/conversations", AUGUST | {"language": "en"}, status=422)


async def test_call_satisfaction_opens_the_rated_calls(supervisor, august, db):
    """August's post-call surveys rate 5, 3, 4, 2 and 5 (the outbound call's survey does not
    count): the tile's 4-5 share opens those three calls, its count line all five."""
    html = await get_html(supervisor, "/console/stats", AUGUST)
    t = tile(html, "call_csat")
    async with db.connect() as conn:
        scores = dict((await conn.execute(text(
            "SELECT id, survey_score FROM calls WHERE direction = 'inbound' AND survey_score IS NOT NULL "
            "AND enqueued_at >= '2024-08-01 00:00+04' AND enqueued_at < '2024-09-01 00:00+04'"))).all())
    assert sorted(scores.values()) == [2, 3, 4, 5, 5]
    assert await _ids(supervisor, t["href"]) == sorted(i for i, s in scores.items() if s >= 4)
    assert await _ids(supervisor, _line(t, "Sorğuda")) == sorted(scores)
    page = await get_html(supervisor, _line(t, "Sorğuda"))
    assert "5 / 5" in page and "2 / 5" in page  # the rating column
    negative = await get_html(supervisor, "/console/pbx-calls", AUGUST | {"survey": "negative"})
    assert sorted(list_ids(negative, "data-call")) == sorted(i for i, s in scores.items() if s <= 3)


async def test_the_calls_api_carries_the_rating_and_its_filter(dash_client, august):
    from tests.plugins.backend import API_TOKEN

    client = dash_client
    resp = await client.get("/api/v1/calls", headers={"Authorization": f"Bearer {API_TOKEN}"},
                            params={"from": "2024-08-01", "to": "2024-08-31", "survey": "positive"})
    assert resp.status == 200, await resp.text()
    assert sorted(c["survey_score"] for c in (await resp.json())["calls"]) == [4, 5, 5]
    bad = await client.get("/api/v1/calls", headers={"Authorization": f"Bearer {API_TOKEN}"},
                           params={"from": "2024-08-01", "to": "2024-08-31", "survey": "great"})
    assert bad.status == 422 and (await bad.json())["field"] == "survey"

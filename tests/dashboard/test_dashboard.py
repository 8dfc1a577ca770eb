"""The dashboard's tiles show the statistics engine's figures (the same summary
the API returns), with the change against last year; periods, filters, errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from contact_center.stats.summary import year_earlier
from tests.dashboard.conftest import AUGUST, get_html, tile
from tests.helpers import event, post_pbx
from tests.stats.conftest import refresh_now


async def _summary(client, **params):
    resp = await client.get("/api/v1/stats/summary", params=params)  # the supervisor's session
    assert resp.status == 200
    return await resp.json()


async def test_the_tiles_show_the_summary_of_the_period(supervisor, august):
    html = await get_html(supervisor, "/console/stats", AUGUST)
    s = await _summary(supervisor, **{"from": "2024-08-01", "to": "2024-08-31"})
    c = s["calls"]
    raw = {key: tile(html, key)["raw"] for key in (
        "offered", "answered", "abandoned", "asa", "wait", "aht", "service_level", "registered", "baku_share",
        "chats", "containment", "csat", "callbacks")}
    assert raw == {
        "offered": str(c["offered"]), "answered": str(c["answered"]), "abandoned": str(c["abandoned"]),
        "asa": str(c["asa_seconds"]), "wait": str(c["wait_mean_seconds"]), "aht": str(c["aht_seconds"]),
        "service_level": str(c["service_level"]), "registered": str(c["registered"]),
        "baku_share": str(c["baku_share"]), "chats": str(s["chats"]["conversations"]["total"]),
        "containment": str(s["chats"]["containment_rate"]), "csat": str(s["csat"]["score"]),
        "callbacks": str(s["callbacks"]["within_sla_rate"]),
    }
    # What the supervisor reads (tests/stats/test_summary.py works these figures out by hand).
    assert (tile(html, "offered")["value"], tile(html, "answered")["value"], tile(html, "answered")["rate"]) == (
        "9", "5", "55,56 %")
    ab = tile(html, "abandoned")
    assert (ab["value"], ab["rate"]) == ("3", "33,33 %")
    assert [t for _, t in ab["lines"]] == ["Qısa (< 10 san): 1", "Qısalar çıxılmaqla: 25,00 %"]
    assert tile(html, "asa")["value"] == "12,5 san"
    assert tile(html, "wait")["value"] == "20,7 san"
    assert [t for _, t in tile(html, "wait")["lines"]] == ["Median: 10,0 san", "90 %: 1 dəq 00 san"]
    assert tile(html, "aht")["value"] == "2 dəq 22 san"
    assert tile(html, "service_level")["value"] == "80,00 %"
    assert (tile(html, "registered")["value"], tile(html, "registered")["rate"]) == ("4", "44,44 %")
    assert tile(html, "baku_share")["value"] == "50,00 %"
    assert tile(html, "chats")["value"] == "5"
    assert tile(html, "containment")["value"] == "40,00 %"
    assert tile(html, "csat")["value"] == "66,67 %"
    # The post-call survey: 3 of 5 ratings were 4 or 5 (5 3 4 2 5), a year earlier the one rating was 4.
    q = tile(html, "call_csat")
    assert (q["raw"], q["value"]) == (str(s["csat"]["calls"]["score"]), "60,00 %")
    assert [t for _, t in q["lines"]] == ["Sorğuda qiymət verən: 5", "Orta bal (1-5): 3,80"]
    assert q["yoy"] == {"score": "ötən il: 100,00 % (−40,00 f.b.)", "responses": "qiymət: ötən il: 1 (+400,00 %)",
                        "mean": "orta bal: ötən il: 4,00 (−0,20)"}
    assert (q["tone"]["score"], q["tone"]["mean"]) == ("bad", "bad")
    assert tile(html, "callbacks")["value"] == "50,00 %"
    assert "Cəmi müraciət (bütün kanallar): 18" in [t for _, t in tile(html, "offered")["lines"]]
    assert "01.08.2024 – 31.08.2024" in html and "01.08.2023 – 31.08.2023" in html


async def test_the_change_against_last_year(supervisor, august):
    html = await get_html(supervisor, "/console/stats", AUGUST)
    # August 2023: one answered call (wait 4 s, talk 100 s) and one abandoned (30 s).
    assert tile(html, "offered")["yoy"] == {"offered": "ötən il: 2 (+350,00 %)"}
    answered = tile(html, "answered")
    assert answered["yoy"] == {"answered": "ötən il: 1 (+400,00 %)", "answer_rate": "faiz: ötən il: 50,00 % (+5,56 f.b.)"}
    assert answered["tone"] == {"answered": "good", "answer_rate": "good"}
    assert tile(html, "asa")["yoy"] == {"asa_seconds": "ötən il: 4,0 san (+8,5 san)"}
    assert tile(html, "asa")["tone"] == {"asa_seconds": "bad"}  # waiting longer is worse
    sl = tile(html, "service_level")
    assert sl["yoy"] == {"service_level": "ötən il: 100,00 % (−20,00 f.b.)"} and sl["tone"]["service_level"] == "bad"
    assert tile(html, "registered")["yoy"]["registered"] == "ötən il: 0 (+4)"  # no rate of change from zero
    assert tile(html, "baku_share")["yoy"]["baku_share"] == "Bakı: ötən il: məlumat yoxdur"  # nothing registered then
    assert tile(html, "chats")["yoy"]["conversations"] == "ötən il: 0 (+5)"


async def test_today_by_default_with_calls_posted_by_the_pbx(supervisor, stats_data, dash_settings):
    now = datetime.now(UTC)
    resp = await post_pbx(supervisor, [
        event("e1", "k1", "enqueued", (now - timedelta(seconds=8)).isoformat(), caller="0501234567", queue="142"),
        event("e2", "k1", "answered", (now - timedelta(seconds=2)).isoformat(), agent="1001"),
        event("e3", "k2", "enqueued", (now - timedelta(seconds=6)).isoformat(), caller="0551234567", queue="142"),
        event("e4", "k2", "abandoned", (now - timedelta(seconds=1)).isoformat()),
    ])
    assert resp.status == 202
    today = now.astimezone(dash_settings.tz).date()
    await stats_data.call(f"{year_earlier(today)} 12:00:00", wait=4, talk=60, agent="1001")
    html = await get_html(supervisor, "/console/stats")
    assert re.search(r"Bu gün:</strong> " + today.strftime("%d.%m.%Y"), html)
    assert tile(html, "offered")["value"] == "2"
    assert tile(html, "offered")["yoy"] == {"offered": "ötən il: 1 (+100,00 %)"}
    assert (tile(html, "answered")["value"], tile(html, "abandoned")["value"]) == ("1", "1")
    assert tile(html, "abandoned")["lines"][0][1] == "Qısa (< 10 san): 1"  # 5 seconds


@pytest.mark.parametrize("period, label", [("week", "Bu həftə"), ("month", "Bu ay")])
async def test_this_week_and_this_month(supervisor, dash_settings, period, label):
    today = datetime.now(dash_settings.tz).date()
    start = today - timedelta(days=today.weekday()) if period == "week" else today.replace(day=1)
    html = await get_html(supervisor, "/console/stats", {"period": period})
    expected = today.strftime("%d.%m.%Y") if start == today else f"{start:%d.%m.%Y} – {today:%d.%m.%Y}"
    assert f"{label}:</strong> {expected}" in html
    assert f'id="d-from" name="from" value="{start.isoformat()}"' in html


async def test_cumulative_since_the_first_record(supervisor, august, db, dash_settings):
    today = datetime.now(dash_settings.tz).date()
    # Before the rollups were ever built, a period of years cannot be answered yet.
    html = await get_html(supervisor, "/console/stats", {"period": "cumulative"}, status=503)
    assert "Statistika ilk dəfə hazırlanır" in html and 'data-tile="offered"' not in html
    await refresh_now(db, dash_settings, today=today)
    html = await get_html(supervisor, "/console/stats", {"period": "cumulative"})
    assert f"Kumulyativ:</strong> 10.08.2023 – {today:%d.%m.%Y}" in html  # the first call of the fixture
    # Every inbound call ever queued: 11 in 2024 (with 31 July and 1 September) and 2 in 2023.
    assert tile(html, "offered")["value"] == "13"


async def test_filters_select_the_figures(supervisor, august):
    html = await get_html(supervisor, "/console/stats", AUGUST | {"district": "gence"})
    # Only registered calls have a district: c8 (Gəncə).
    assert (tile(html, "offered")["value"], tile(html, "registered")["value"]) == ("1", "1")
    assert "Rayon: Gəncə" in html
    html = await get_html(supervisor, "/console/stats", AUGUST | {"channel": "web_chat"})
    assert tile(html, "offered")["value"] == "0" and tile(html, "offered")["href"] is None  # nothing to list
    assert tile(html, "chats")["value"] == "2"
    html = await get_html(supervisor, "/console/stats", AUGUST | {"agent": "1002"})
    assert (tile(html, "answered")["value"], tile(html, "registered")["value"]) == ("2", "2")  # c2 c8


@pytest.mark.parametrize("params, field, message", [
    ({"period": "custom", "from": "2024-13-01", "to": "2024-08-31"}, "from", "Tarixi İİİİ-AA-GG formatında seçin."),
    ({"period": "custom", "from": "2024-08-31", "to": "2024-08-01"}, "to",
     "Son tarix başlanğıc tarixindən əvvəl ola bilməz."),
    ({"period": "yesterday"}, "period", "Dövrü siyahıdan seçin."),
    (AUGUST | {"district": "atlantis"}, "district", "Bu dəyər siyahıda yoxdur: siyahıdan seçin."),
    (AUGUST | {"channel": "telegram"}, "channel", "Bu dəyər siyahıda yoxdur: siyahıdan seçin."),
    ({"period": "custom", "from": "2023-01-01", "to": "2024-12-31", "queue": "142", "agent": "1001"}, "agent",
     "Bir neçə süzgəc birlikdə ən çox 400 günlük dövr üçün hesablanır"),
])
async def test_bad_input_is_explained_in_azerbaijani(supervisor, params, field, message):
    html = await get_html(supervisor, "/console/stats", params, status=422)
    assert message in html
    assert 'data-tile="offered"' not in html  # no figures for a question that could not be asked
    assert 'class="field invalid"' in html or 'period-picker invalid' in html


async def test_charts_are_inline_svg_with_text_alternatives(supervisor, august):
    html = await get_html(supervisor, "/console/stats", AUGUST)
    figures = re.findall(r'<figure class="chart" id="chart-([\w-]+)"', html)
    assert figures == ["by-day", "by-hour", "waits", "by-direction", "channels", "areas", "districts"]
    for key in figures:
        svg = re.search(rf'<figure class="chart" id="chart-{key}".*?</figure>', html, re.S).group(0)
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in svg
        assert re.search(rf'<title id="chart-{key}-title">[^<]+</title>', svg)
        assert "<summary>Cədvəl şəklində</summary>" in svg  # the numbers as a table too
    # Nothing is fetched from elsewhere: scripts, styles and images are the backend's own.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    # The wait-time chart marks the service-level limit; the daily chart has a bar per day.
    assert "T = 20 san" in html
    by_day = re.search(r'id="chart-by-day".*?</figure>', html, re.S).group(0)
    assert len(re.findall(r'<g class="bar">', by_day)) == 31
    assert 'aria-label="05.08.2024: 3"' in by_day


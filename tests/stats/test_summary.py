"""Every figure of the summary on a small fixture, worked out by hand
(fixture_august.py lists the records), computed three ways: from the records
only, from rollups built in one go, and from rollups kept by incremental
refreshes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from pytest import approx

from contact_center.stats.db import read_snapshot
from contact_center.stats.query import plan, snapshot
from tests.stats.conftest import AUTH, refresh_now, summary
from tests.stats.fixture_august import seed_august

AUG = {"from": "2024-08-01", "to": "2024-08-31"}


@pytest.fixture(params=["live", "rollup", "incremental"])
async def august(request, stats_data, stats_client, stats_settings, db):
    mode = request.param
    if mode == "incremental":
        await refresh_now(db, stats_settings)  # empty database: watermark set, nothing built
    ids = await seed_august(stats_data)
    if mode in ("rollup", "incremental"):
        await refresh_now(db, stats_settings)  # "today" is 2030: every month and year is closed
        async with read_snapshot(db) as conn:
            snap = await snapshot(conn, stats_settings.tz)
        p = plan(date(2024, 8, 1), date(2024, 8, 31), snap)
        assert p.rows["m"] == [date(2024, 8, 1)] and not p.live and not p.rows["d"]
    return ids


async def test_calls_figures(august, stats_client):
    s = await summary(stats_client, **AUG)
    c = s["calls"]
    # Offered: c1 c2 c3 (5 Aug), c4 c5 c6 c7 (6 Aug), c8 (7 Aug), c10 (1 Aug 02:00 Baku). Not c9
    # (outbound), c11 (31 July 23:59:30), c12 (1 September).
    assert c["offered"] == 9
    assert c["answered"] == 5  # c1 c2 c3 c8 c10
    assert c["answer_rate"] == approx(5 / 9, abs=1e-6)
    assert c["abandoned"] == 3  # c4 c5 abandoned, c6 timed out
    assert c["unanswered_by_reason"] == {"abandoned": 2, "timeout": 1, "exit_key": 0, "exit_empty": 0}
    assert c["in_progress"] == 1  # c7
    assert c["abandon_rate"] == approx(3 / 9, abs=1e-6)
    assert c["short_abandoned"] == 1  # c4 waited 3 s < 10 s
    assert c["abandon_rate_excl_short"] == approx((3 - 1) / (9 - 1), abs=1e-6)  # 0.25
    assert c["asa_seconds"] == approx((5 + 25 + 20.5 + 10 + 2) / 5, abs=0.01)  # 12.5
    assert c["wait_mean_seconds"] == approx((62.5 + 3 + 40 + 60) / 8, abs=0.01)  # 20.69
    # Whole-second waits, sorted: 2 3 5 10 20 25 40 60 -> 4th is the median, 8th the p90.
    assert c["wait_median_seconds"] == 10
    assert c["wait_p90_seconds"] == 60
    assert c["aht_seconds"] == approx((100 + 200 + 300 + 50 + 60) / 5, abs=0.01)  # 142
    # Within 20 s: waits 5, 20 (20.5 truncated), 10, 2; not 25.
    assert c["service_level"] == approx(4 / 5, abs=1e-6)
    assert c["service_level_seconds"] == 20
    assert c["registered"] == 4  # c1, c2, c8 and one entered by hand
    assert c["registered_without_queue_record"] == 1
    assert c["registered_rate"] == approx(4 / 9, abs=1e-6)
    by_dir = {x["code"]: x["count"] for x in c["by_direction"]}
    assert by_dir == {"social_protection": 2, "employment": 1, "disability": 1, "labour_relations": 0,
                      "certificates": 0, "vem": 0, "general": 0}
    assert c["by_direction"][0]["label"] == "Sosial müdafiə"
    assert c["by_direction"][0]["share"] == approx(0.5)
    assert {x["code"]: x["count"] for x in c["by_type"] if x["count"]} == {
        "information": 2, "complaint": 1, "application": 1}
    assert {x["code"]: x["count"] for x in c["by_outcome"]} == {
        "fully_answered": 1, "sent_to_office": 1, "investigation": 1, "refused": 1}
    assert [(x["code"], x["count"], x["area"]) for x in c["by_district"]] == [
        ("baku_xetai", 2, "baku"), ("gence", 1, "region"), ("sumqayit", 1, "region")]
    assert c["baku_share"] == approx(0.5) and c["regions_share"] == approx(0.5)
    hours = {h["hour"]: (h["offered"], h["answered"], h["abandoned"]) for h in c["by_hour"] if h["offered"]}
    assert hours == {2: (1, 1, 0), 9: (4, 0, 3), 10: (2, 2, 0), 11: (1, 1, 0), 15: (1, 1, 0)}
    assert len(c["by_day"]) == 31
    days = {d["date"]: (d["offered"], d["answered"], d["abandoned"], d["registered"])
            for d in c["by_day"] if any((d["offered"], d["registered"]))}
    assert days == {"2024-08-01": (1, 1, 0, 0), "2024-08-05": (3, 3, 0, 2), "2024-08-06": (4, 0, 3, 0),
                    "2024-08-07": (1, 1, 0, 1), "2024-08-08": (0, 0, 0, 1)}
    agents = {a["agent"]: a for a in c["per_agent"]}
    assert [a["agent"] for a in c["per_agent"]] == ["1001", "1002", "1003"]
    assert agents["1001"]["name"] == "Aygün Məmmədova"
    assert (agents["1001"]["answered"], agents["1001"]["registered"]) == (3, 1)  # c1 c3 c10
    assert agents["1001"]["talk_seconds"] == approx(460) and agents["1001"]["aht_seconds"] == approx(153.33)
    assert (agents["1002"]["answered"], agents["1002"]["registered"], agents["1002"]["aht_seconds"]) == (2, 2, 125)
    assert (agents["1003"]["answered"], agents["1003"]["registered"], agents["1003"]["aht_seconds"]) == (0, 1, None)
    # The post-call survey by extension: 1001 rated c1 5, c3 4, c10 5; 1002 c2 3, c8 2.
    assert agents["1001"]["csat"] == {"responses": 3, "score": 1.0, "mean": 4.67}
    assert agents["1002"]["csat"] == {"responses": 2, "score": 0.0, "mean": 2.5}
    assert agents["1003"]["csat"] == {"responses": 0, "score": None, "mean": None}
    hist = {h["seconds"]: (h["answered"], h["abandoned"]) for h in c["wait_histogram"]}
    assert hist == {2: (1, 0), 3: (0, 1), 5: (1, 0), 10: (1, 0), 20: (1, 0), 25: (1, 0), 40: (0, 1), 60: (0, 1)}


async def test_callbacks_chats_csat_channels(august, stats_client):
    s = await summary(stats_client, **AUG)
    b = s["callbacks"]
    assert b["requested"] == {"total": 4, "by_source": {"web": 2, "bot": 1, "abandoned_call": 1, "agent": 0,
                                                        "facebook": 0, "instagram": 0}}
    assert (b["completed"], b["reached"], b["unreachable"], b["cancelled"], b["open"]) == (2, 1, 1, 1, 1)
    assert b["attempted"] == 2
    # First attempts: 09:50 before the 10:15 due time; 11:30 after 11:00.
    assert b["within_sla_rate"] == approx(0.5)
    assert b["recovered_abandons"] == 1  # the abandoned c5 was reached
    h = s["chats"]
    assert h["conversations"] == {"total": 5, "web_chat": 2, "facebook": 2, "instagram": 1}
    assert (h["bot_handled"], h["handed_off"], h["abandoned"], h["answered"]) == (2, 3, 1, 4)
    assert h["containment_rate"] == approx(0.4)
    dirs = {x["code"]: x["count"] for x in h["by_direction"] if x["count"]}
    assert dirs == {"social_protection": 2, "employment": 2, None: 1}
    # First responses 30 s and 120 s after the hand-off.
    assert h["first_response_seconds"] == {"mean": 75.0, "median": 30, "count": 2}
    # The chat SLA (60 s by default): the 120 s reply breached it.
    assert (h["first_response_target_seconds"], h["first_response_breaches"]) == (60, 1)
    assert h["first_response_breach_rate"] == approx(0.5)
    # Facebook: 3 + 1 citizen messages, 2 before the last reply (the note is no reply).
    assert h["social"]["facebook"] == {"messages_received": 4, "messages_answered": 2, "answer_rate": 0.5,
                                       "conversations": 2, "conversations_answered": 1}
    assert h["social"]["instagram"] == {"messages_received": 2, "messages_answered": 2, "answer_rate": 1.0,
                                        "conversations": 1, "conversations_answered": 1}
    q = s["csat"]
    assert q["responses"] == 3 and q["score"] == approx(2 / 3, abs=1e-6)  # 5, 3, 4
    assert q["by_channel"] == {"web_chat": {"responses": 1, "score": 1.0},
                               "facebook": {"responses": 1, "score": 0.0},
                               "instagram": {"responses": 1, "score": 1.0}}
    # The same chat ratings under csat.chats, with their mean; csat.calls is the post-call
    # survey of August's offered calls: c1 5, c2 3, c3 4, c8 2, c10 5 (not the outbound c9,
    # not July's c11 or September's c12).
    assert q["chats"] == {"responses": 3, "score": approx(2 / 3, abs=1e-6), "mean": 4.0}
    assert q["calls"] == {"responses": 5, "score": 0.6, "mean": 3.8}
    assert s["channels"] == {"incoming_calls": 9, "callbacks": 4, "chatbot_and_social": 5, "web_chat": 2,
                             "facebook": 2, "instagram": 1, "total": 18}


async def test_the_chat_sla_target_is_a_setting(august, make_client, stats_settings):
    # With a 20-second target both replies (30 s and 120 s) are late; with 120 s, neither
    # (120 whole seconds is not later than 120).
    for target, breaches in ((20, 2), (120, 0)):
        client = await make_client(stats_settings.with_(chat_first_response_target_seconds=target))
        h = (await summary(client, **AUG))["chats"]
        assert (h["first_response_breaches"], h["first_response_breach_rate"]) == (breaches, breaches / 2)
        await client.close()


async def test_year_on_year(august, stats_client):
    s = await summary(stats_client, **AUG)
    y = s["yoy"]
    assert (y["from"], y["to"]) == ("2023-08-01", "2023-08-31")
    # August 2023: one answered call (wait 4 s), one abandoned (30 s).
    assert y["calls"]["offered"] == {"current": 9, "previous": 2, "change": 7, "change_rate": 3.5}
    assert y["calls"]["answered"] == {"current": 5, "previous": 1, "change": 4, "change_rate": 4.0}
    assert y["calls"]["answer_rate"]["previous"] == 0.5
    assert y["calls"]["answer_rate"]["change"] == approx(5 / 9 - 0.5, abs=1e-6)
    assert y["calls"]["asa_seconds"]["previous"] == 4.0
    assert y["calls"]["registered"] == {"current": 4, "previous": 0, "change": 4, "change_rate": None}
    assert y["channels"]["total"]["previous"] == 2
    assert y["chats"]["conversations"] == {"current": 5, "previous": 0, "change": 5, "change_rate": None}
    # Satisfaction a year earlier: the one answered call of August 2023 rated 4; no chats.
    yc = y["csat"]["calls"]
    assert yc["responses"] == {"current": 5, "previous": 1, "change": 4, "change_rate": 4.0}
    assert yc["score"] == {"current": 0.6, "previous": 1.0, "change": -0.4, "change_rate": -0.4}
    assert yc["mean"] == {"current": 3.8, "previous": 4.0, "change": approx(-0.2), "change_rate": approx(-0.05)}
    assert y["csat"]["chats"]["responses"] == {"current": 3, "previous": 0, "change": 3, "change_rate": None}
    assert y["csat"]["chats"]["mean"] == {"current": 4.0, "previous": None, "change": None, "change_rate": None}
    assert y["csat"]["score"]["previous"] is None  # the top-level fields stay the chats'


@pytest.mark.parametrize(
    "params, expect",
    [
        # queue 555: c8 only; callbacks and chats have no queue.
        ({"queue": "555"}, {"offered": 1, "answered": 1, "registered": 1, "callbacks": 0, "chats": 0}),
        # agent 1001: c1 c3 c10 answered, c1 registered; the callback it claimed; the chat assigned to it.
        ({"agent": "1001"}, {"offered": 3, "answered": 3, "registered": 1, "callbacks": 1, "chats": 1}),
        # employment: registered c2; callback b2; conversations on 5 and 7 August.
        ({"direction": "employment"}, {"offered": 1, "answered": 1, "registered": 1, "callbacks": 1, "chats": 2}),
        # Xətai: c1, and the call registered by hand (registered, never offered).
        ({"district": "baku_xetai"}, {"offered": 1, "answered": 1, "registered": 2, "callbacks": 0, "chats": 0}),
        # Two filters at once are computed from the records: queue 142 and Xətai -> c1.
        ({"queue": "142", "district": "baku_xetai"},
         {"offered": 1, "answered": 1, "registered": 1, "callbacks": 0, "chats": 0}),
        ({"channel": "facebook"}, {"offered": 0, "answered": 0, "registered": 0, "callbacks": 0, "chats": 2}),
        ({"channel": "callback"}, {"offered": 0, "answered": 0, "registered": 0, "callbacks": 4, "chats": 0}),
        ({"channel": "phone", "agent": "1002"},
         {"offered": 2, "answered": 2, "registered": 2, "callbacks": 0, "chats": 0}),
    ],
)
async def test_filters(august, stats_client, params, expect):
    s = await summary(stats_client, **AUG, **params)
    got = {"offered": s["calls"]["offered"], "answered": s["calls"]["answered"],
           "registered": s["calls"]["registered"], "callbacks": s["callbacks"]["requested"]["total"],
           "chats": s["chats"]["conversations"]["total"]}
    assert got == expect
    assert s["filters"] == {"channel": None, "queue": None, "agent": None, "direction": None, "district": None,
                            "language": None, **params}


@pytest.mark.parametrize(
    "params, expect",
    [
        ({"agent": "1001"}, {"responses": 3, "score": 1.0, "mean": 4.67}),  # c1 5, c3 4, c10 5
        ({"queue": "555"}, {"responses": 1, "score": 0.0, "mean": 2.0}),  # c8
        ({"district": "baku_xetai"}, {"responses": 1, "score": 1.0, "mean": 5.0}),  # c1 (registered in Xətai)
        ({"channel": "phone", "agent": "1002"}, {"responses": 2, "score": 0.0, "mean": 2.5}),  # c2 3, c8 2
        ({"channel": "web_chat"}, {"responses": 0, "score": None, "mean": None}),  # a chat channel: no calls
    ],
)
async def test_call_satisfaction_follows_the_filters(august, stats_client, params, expect):
    s = await summary(stats_client, **AUG, **params)
    assert s["csat"]["calls"] == expect


async def test_time_zone_boundaries(august, stats_client):
    # 02:00 Baku on 1 August (22:00 UTC on 31 July) belongs to 1 August.
    s = await summary(stats_client, **{"from": "2024-08-01", "to": "2024-08-01"})
    assert s["calls"]["offered"] == 1 and s["calls"]["by_hour"][2]["offered"] == 1
    s = await summary(stats_client, **{"from": "2024-07-31", "to": "2024-07-31"})
    assert s["calls"]["offered"] == 1  # c11 at 23:59:30
    s = await summary(stats_client, **{"from": "2024-09-01", "to": "2024-09-30"})
    assert s["calls"]["offered"] == 1  # c12 at 00:00:10 on 1 September
    s = await summary(stats_client, **{"from": "2024-07-31", "to": "2024-09-01"})
    assert s["calls"]["offered"] == 11


async def test_registrations_of_calls_without_a_queue_record(stats_data, stats_client):
    from sqlalchemy import text

    uid = await stats_data.user("1005")
    async with stats_data.engine.begin() as conn:
        # A call an agent entered by hand (no PBX record, never queued) and an outbound call.
        hand = (await conn.execute(text(
            "INSERT INTO calls (direction, transferred) VALUES ('inbound', FALSE) RETURNING id"))).scalar()
        out = (await conn.execute(text(
            "INSERT INTO calls (pbx_call_id, direction, enqueued_at, answered_at, ended_at, transferred) VALUES "
            "('o1', 'outbound', '2024-08-09 10:00+04', '2024-08-09 10:00:05+04', '2024-08-09 10:02+04', FALSE) "
            "RETURNING id"))).scalar()
    await stats_data.register(uid, call_id=hand, occurred="2024-08-09 11:00:00", district="gence")
    await stats_data.register(uid, call_id=out, occurred="2024-08-09 10:00:05")
    s = await summary(stats_client, **AUG)
    c = s["calls"]
    # The hand-entered call is registered (on the day it happened) but never offered; the outbound one is neither.
    assert (c["offered"], c["registered"], c["registered_without_queue_record"]) == (0, 1, 1)
    assert [(d["code"], d["count"]) for d in c["by_district"]] == [("gence", 1)]
    assert c["per_agent"] == [{"agent": "1005", "name": "Agent 1005", "answered": 0, "talk_seconds": 0.0,
                               "aht_seconds": None, "registered": 1,
                               "csat": {"responses": 0, "score": None, "mean": None}}]


async def test_chats_filtered_by_language(stats_data, stats_client, db):
    # Three conversations in August: two Russian (one handed off, answered in 40 s), one Azerbaijani.
    for created, language, handoff, reply in (("2024-08-05 10:00:00", "ru", "2024-08-05 10:01:00",
                                               "2024-08-05 10:01:40"),
                                              ("2024-08-06 11:00:00", "ru", None, None),
                                              ("2024-08-07 12:00:00", "az", None, None)):
        cid = await stats_data.conversation("web_chat", created, handoff=handoff, first_reply=reply)
        async with db.begin() as conn:
            await conn.execute(text("UPDATE conversations SET language = :l WHERE id = :i"), {"l": language, "i": cid})
    await stats_data.call("2024-08-05 10:00:00", wait=5, talk=60, agent="1001")
    ru = await summary(stats_client, **AUG, language="ru")
    assert ru["filters"]["language"] == "ru"
    assert ru["chats"]["conversations"] == {"total": 2, "web_chat": 2, "facebook": 0, "instagram": 0}
    assert ru["chats"]["handed_off"] == 1 and ru["chats"]["first_response_seconds"]["mean"] == 40
    assert ru["calls"]["offered"] == 0  # a call has no language: the section is empty under the filter
    az = await summary(stats_client, **AUG, language="az")
    assert az["chats"]["conversations"]["total"] == 1
    everything = await summary(stats_client, **AUG)
    assert everything["chats"]["conversations"]["total"] == 3 and everything["calls"]["offered"] == 1
    bad = await stats_client.get("/api/v1/stats/summary", params={**AUG, "language": "en"}, headers=AUTH)
    assert bad.status == 422 and (await bad.json())["field"] == "language"
    long = await stats_client.get("/api/v1/stats/summary", params={"from": "2022-01-01", "to": "2024-08-31",
                                                                  "language": "ru"}, headers=AUTH)
    assert long.status == 422 and (await long.json())["field"] == "language"

"""A small August 2024 (and August 2023) whose every figure is worked out by
hand in test_summary.py. Times are Baku local time (UTC+4)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.plugins.stats import StatsData


@dataclass
class August:
    u1001: int
    u1002: int
    u1003: int
    c5: int


async def seed_august(d: StatsData) -> August:
    u1, u2, u3 = await d.user("1001", "Aygün Məmmədova"), await d.user("1002"), await d.user("1003")
    # Calls (queue 142 unless said): wait, talk in seconds.
    # survey: the post-call survey's rating (August: 5 3 4 2 5 -> 3 of 5 rated 4-5, mean 3.8).
    c1 = await d.call("2024-08-05 10:00:00", wait=5, talk=100, agent="1001", survey=5)
    c2 = await d.call("2024-08-05 10:30:00", wait=25, talk=200, agent="1002", survey=3)
    await d.call("2024-08-05 11:00:00", wait=20.5, talk=300, agent="1001", survey=4)  # c3: 20.5 s is 20 whole s
    await d.call("2024-08-06 09:00:00", wait=3, status="abandoned")  # c4: short abandon
    c5 = await d.call("2024-08-06 09:10:00", wait=40, status="abandoned")
    await d.call("2024-08-06 09:20:00", wait=60, status="timeout")  # c6
    await d.call("2024-08-06 09:30:00", status="in_progress")  # c7
    c8 = await d.call("2024-08-07 15:00:00", wait=10, talk=50, agent="1002", queue="555", survey=2)
    # c9: never offered (its survey does not count either)
    await d.call("2024-08-07 16:00:00", wait=1, talk=30, agent="1001", direction="outbound", survey=1)
    # c10: 31 July 22:00 UTC, still 1 August
    await d.call("2024-08-01 02:00:00", wait=2, talk=60, agent="1001", survey=5)
    await d.call("2024-07-31 23:59:30", wait=2, talk=60, agent="1001", survey=1)  # c11: July
    await d.call("2024-09-01 00:00:10", wait=2, talk=60, agent="1001", survey=1)  # c12: September
    await d.register(u1, call_id=c1, direction="social_protection", call_type="information",
                     district="baku_xetai", outcome="fully_answered")
    await d.register(u2, call_id=c2, direction="employment", call_type="complaint",
                     district="sumqayit", outcome="sent_to_office")
    await d.register(u2, call_id=c8, direction="social_protection", call_type="application",
                     district="gence", outcome="investigation")
    # Registered by hand (the PBX had no record), agent 1003.
    await d.register(u3, occurred="2024-08-08 12:00:00", direction="disability", call_type="information",
                     district="baku_xetai", outcome="refused")
    # Callbacks
    await d.callback("2024-08-06 09:15:00", source="abandoned_call", status="reached", claimed_by=u1,
                     abandoned_call_id=c5, due="2024-08-06 10:15:00",
                     attempts=[("2024-08-06 09:50:00", "reached")])
    await d.callback("2024-08-10 10:00:00", source="web", status="unreachable", claimed_by=u2,
                     due="2024-08-10 11:00:00", direction="employment",
                     attempts=[("2024-08-10 11:30:00", "no_answer"), ("2024-08-10 12:00:00", "no_answer")])
    await d.callback("2024-08-12 10:00:00", source="bot", status="open")
    await d.callback("2024-08-12 11:00:00", source="web", status="cancelled")
    # Conversations
    await d.conversation("web_chat", "2024-08-05 12:00:00", direction="social_protection", csat=5, messages=[
        ("citizen", "2024-08-05 12:00:00"), ("bot", "2024-08-05 12:00:01"),
        ("citizen", "2024-08-05 12:01:00"), ("bot", "2024-08-05 12:01:01")])
    await d.conversation("facebook", "2024-08-05 13:00:00", direction="employment", handoff="2024-08-05 13:02:00",
                         first_reply="2024-08-05 13:02:30", assigned_to=u1, csat=3, messages=[
        ("citizen", "2024-08-05 13:00:00"), ("bot", "2024-08-05 13:00:01"), ("citizen", "2024-08-05 13:02:00"),
        ("agent:note", "2024-08-05 13:02:10"),  # an internal note is not a reply
        ("agent", "2024-08-05 13:02:30"), ("citizen", "2024-08-05 13:05:00")])
    await d.conversation("instagram", "2024-08-06 10:00:00", handoff="2024-08-06 10:01:00",
                         first_reply="2024-08-06 10:03:00", csat=4, messages=[
        ("citizen", "2024-08-06 10:00:00"), ("citizen", "2024-08-06 10:01:00"), ("agent", "2024-08-06 10:03:00")])
    await d.conversation("facebook", "2024-08-07 10:00:00", direction="employment", handoff="2024-08-07 10:00:10",
                         abandoned=True, messages=[("citizen", "2024-08-07 10:00:00")])
    await d.conversation("web_chat", "2024-08-07 11:00:00", direction="social_protection", messages=[
        ("citizen", "2024-08-07 11:00:00"), ("bot", "2024-08-07 11:00:01")])
    # A year earlier: two calls, the answered one rated 4.
    await d.call("2023-08-10 10:00:00", wait=4, talk=100, agent="1001", survey=4)
    await d.call("2023-08-11 10:00:00", wait=30, status="abandoned")
    return August(u1, u2, u3, c5)

"""Call satisfaction from the post-call survey, end to end: PBX `survey` events through
the real webhook, then the summary's csat.calls, per-agent figures and the rollups."""

from __future__ import annotations

from tests.helpers import event, post_pbx
from tests.stats.conftest import refresh_now, summary
from tests.stats.fixture_august import seed_august

AUG = {"from": "2024-08-01", "to": "2024-08-31"}


def _call(call_id: str, day: str, agent: str) -> list[dict]:
    return [
        event(f"{call_id}-1", call_id, "enqueued", f"{day}T10:00:00+04:00", caller="+994501112233", queue="142"),
        event(f"{call_id}-2", call_id, "answered", f"{day}T10:00:07+04:00", agent=agent),
        event(f"{call_id}-3", call_id, "completed", f"{day}T10:01:37+04:00", agent=agent),
    ]


async def test_a_survey_before_its_call_counts_on_the_calls_day_with_its_agent(
        stats_client, stats_data, stats_settings, db):
    await seed_august(stats_data)
    await refresh_now(db, stats_settings)
    before = await summary(stats_client, **AUG)
    assert before["csat"]["calls"] == {"responses": 5, "score": 0.6, "mean": 3.8}
    # The IVR's rating arrives first (the exchange's events are late): kept, not counted yet.
    resp = await post_pbx(stats_client, event("s-1", "late-1", "survey", "2024-08-20T10:03:00+04:00", score=4))
    assert resp.status == 202 and await resp.json() == {"accepted": 1, "duplicates": 0}
    waiting = await summary(stats_client, **AUG)
    assert waiting["csat"]["calls"] == before["csat"]["calls"]
    assert waiting["calls"]["offered"] == before["calls"]["offered"]
    # The call's events: the survey now counts on 20 August, for agent 1002.
    assert (await post_pbx(stats_client, _call("late-1", "2024-08-20", "1002"))).status == 202
    after = await summary(stats_client, **AUG)
    assert after["csat"]["calls"] == {"responses": 6, "score": round(4 / 6, 6), "mean": round(23 / 6, 2)}
    agent = {a["agent"]: a for a in after["calls"]["per_agent"]}["1002"]
    assert agent["csat"] == {"responses": 3, "score": round(1 / 3, 6), "mean": 3.0}  # 3, 2 and now 4
    day = await summary(stats_client, **{"from": "2024-08-20", "to": "2024-08-20"})
    assert day["csat"]["calls"] == {"responses": 1, "score": 1.0, "mean": 4.0}
    assert (await summary(stats_client, **{"from": "2024-08-20", "to": "2024-08-20", "agent": "1001"})
            )["csat"]["calls"]["responses"] == 0
    # A later survey of the same call replaces it (the latest counts), also after the refresh.
    await post_pbx(stats_client, event("s-2", "late-1", "survey", "2024-08-20T10:05:00+04:00", score=1))
    replaced = await summary(stats_client, **AUG)
    assert replaced["csat"]["calls"] == {"responses": 6, "score": 0.5, "mean": 3.33}
    await refresh_now(db, stats_settings)
    assert await summary(stats_client, **AUG) == replaced  # the rollups agree with the records


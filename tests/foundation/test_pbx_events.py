"""PBX call events: authentication, idempotency, order, all-or-nothing."""

from __future__ import annotations

import itertools
import json
import random

from sqlalchemy import func, select

from contact_center.db.models import Call, PbxEvent
from tests.helpers import event, post_pbx, signed
from tests.plugins.database import truncate_all


def call_events(call_id: str = "c1") -> list[dict]:
    return [
        event(f"{call_id}-1", call_id, "enqueued", "2026-03-02T10:00:00+04:00", caller="+994501112233", queue="142"),
        event(f"{call_id}-2", call_id, "ringing", "2026-03-02T10:00:20+04:00", agent="1001"),
        event(f"{call_id}-3", call_id, "answered", "2026-03-02T10:00:25+04:00", agent="1001"),
        event(f"{call_id}-4", call_id, "completed", "2026-03-02T10:03:25+04:00", agent="1001"),
    ]


async def only_call(sessionmaker) -> Call:
    async with sessionmaker() as s:
        return (await s.execute(select(Call))).scalar_one()


async def count(sessionmaker, model) -> int:
    async with sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_signed_batch_builds_the_call_record(client, sessionmaker):
    resp = await post_pbx(client, call_events())
    assert resp.status == 202
    assert await resp.json() == {"accepted": 4, "duplicates": 0}
    call = await only_call(sessionmaker)
    assert (call.pbx_call_id, call.caller, call.queue, call.agent) == ("c1", "+994501112233", "142", "1001")
    assert call.status == "answered"
    assert call.wait_seconds == 25
    assert call.talk_seconds == 180


async def test_single_event_object_is_accepted(client, sessionmaker):
    resp = await post_pbx(client, call_events()[0])
    assert resp.status == 202
    assert await resp.json() == {"accepted": 1, "duplicates": 0}
    call = await only_call(sessionmaker)
    assert call.status == "in_progress" and call.wait_seconds is None


async def test_missing_or_wrong_signature_is_401_and_stores_nothing(client, sessionmaker):
    body = json.dumps(call_events()).encode()
    resp = await client.post("/api/v1/pbx/events", data=body)
    assert resp.status == 401
    assert (await resp.json())["error"] == "bad_signature"
    _, headers = signed(body, secret="not-the-secret")
    resp = await client.post("/api/v1/pbx/events", data=body, headers=headers)
    assert resp.status == 401
    # a valid signature of a different body does not pass either
    _, headers = signed(body + b" ")
    resp = await client.post("/api/v1/pbx/events", data=body, headers=headers)
    assert resp.status == 401
    assert await count(sessionmaker, PbxEvent) == 0
    assert await count(sessionmaker, Call) == 0


async def test_unconfigured_secret_refuses_everything(make_client, settings, sessionmaker):
    client = await make_client(settings.with_(pbx_webhook_secret=""))
    resp = await post_pbx(client, call_events(), secret="")
    assert resp.status == 401
    assert await count(sessionmaker, PbxEvent) == 0


async def test_duplicates_are_counted_not_stored(client, sessionmaker):
    events = call_events()
    assert await (await post_pbx(client, events)).json() == {"accepted": 4, "duplicates": 0}
    # the PBX redelivers two of them, plus one new event
    again = events[2:] + [event("c1-5", "c1", "transferred", "2026-03-02T10:03:30+04:00")]
    assert await (await post_pbx(client, again)).json() == {"accepted": 1, "duplicates": 2}
    # the same event twice in one request is one event
    twice = [event("c2-1", "c2", "enqueued", "2026-03-02T11:00:00+04:00")] * 2
    assert await (await post_pbx(client, twice)).json() == {"accepted": 1, "duplicates": 1}
    assert await count(sessionmaker, PbxEvent) == 6
    # a batch of nothing but duplicates
    assert await (await post_pbx(client, events)).json() == {"accepted": 0, "duplicates": 4}


async def test_every_arrival_order_gives_the_same_record(client, sessionmaker, db):
    events = call_events()
    expected = None
    orders = list(itertools.permutations(events))
    random.Random(7).shuffle(orders)
    for n, order in enumerate(orders[:8]):
        # a different call id per permutation so each starts from nothing
        renamed = [dict(e, call_id=f"p{n}", event_id=f"p{n}-{e['event_id']}") for e in order]
        for e in renamed:  # one request per event: the hardest case
            assert (await post_pbx(client, e)).status == 202
    async with sessionmaker() as s:
        calls = (await s.execute(select(Call).order_by(Call.id))).scalars().all()
    assert len(calls) == 8
    for call in calls:
        got = (call.caller, call.queue, call.agent, call.status, call.wait_seconds, call.talk_seconds,
               call.enqueued_at, call.answered_at, call.ended_at)
        expected = expected or got
        assert got == expected
    assert expected[3:6] == ("answered", 25, 180)


async def test_abandoned_call_before_its_enqueue_arrives(client, sessionmaker):
    resp = await post_pbx(client, event("a-2", "a", "abandoned", "2026-03-02T10:00:42+04:00"))
    assert resp.status == 202
    call = await only_call(sessionmaker)
    assert call.status == "abandoned" and call.wait_seconds is None  # enqueue not known yet
    await post_pbx(client, event("a-1", "a", "enqueued", "2026-03-02T10:00:00+04:00", caller="+994551234567"))
    call = await only_call(sessionmaker)
    assert (call.status, call.wait_seconds, call.caller) == ("abandoned", 42, "+994551234567")


async def test_answer_wins_over_a_stray_abandon_and_earliest_answer_keeps_agent(client, sessionmaker):
    await post_pbx(client, [
        event("x-3", "x", "answered", "2026-03-02T10:00:30+04:00", agent="1002"),
        event("x-1", "x", "enqueued", "2026-03-02T10:00:00+04:00"),
    ])
    await post_pbx(client, event("x-2", "x", "answered", "2026-03-02T10:00:10+04:00", agent="1001"))
    call = await only_call(sessionmaker)
    assert (call.status, call.agent, call.wait_seconds) == ("answered", "1001", 10)


async def test_bad_event_rejects_the_whole_array(client, sessionmaker):
    events = call_events()
    events[2] = dict(events[2], at="2026-03-02T10:00:25")  # no offset
    resp = await post_pbx(client, events)
    assert resp.status == 422
    body = await resp.json()
    assert (body["index"], body["field"]) == (2, "at")
    assert "offset" in body["message"]
    assert await count(sessionmaker, PbxEvent) == 0
    assert await count(sessionmaker, Call) == 0


async def test_each_field_is_checked_and_named(client):
    base = call_events()[0]
    cases = [
        ({k: v for k, v in base.items() if k != "event_id"}, "event_id"),
        (dict(base, call_id=""), "call_id"),
        (dict(base, type="hangup"), "type"),
        (dict(base, at="yesterday"), "at"),
        (dict(base, direction="sideways"), "direction"),
        (dict(base, caller={"n": 1}), "caller"),
        (dict(base, caller="+99450\u0000"), "caller"),
    ]
    for payload, field in cases:
        resp = await post_pbx(client, [base, payload])
        assert resp.status == 422, field
        body = await resp.json()
        assert (body["index"], body["field"]) == (1, field)


async def test_not_json_too_many_and_empty(client):
    body, headers = signed(b"{not json")
    resp = await client.post("/api/v1/pbx/events", data=body, headers=headers)
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_json"
    resp = await post_pbx(client, [])
    assert resp.status == 422
    many = [event(f"m{i}", f"m{i}", "enqueued", "2026-03-02T10:00:00Z") for i in range(1001)]
    resp = await post_pbx(client, many)
    assert resp.status == 422 and "1000" in (await resp.json())["message"]


async def test_outbound_call(client, sessionmaker):
    await post_pbx(client, [
        event("o-1", "o", "answered", "2026-03-02T12:00:00Z", agent="1003", direction="outbound", caller="+994501234567"),
        event("o-2", "o", "completed", "2026-03-02T12:02:00Z", agent="1003", direction="outbound"),
    ])
    call = await only_call(sessionmaker)
    assert (call.direction, call.status, call.talk_seconds, call.wait_seconds) == ("outbound", "answered", 120, None)


async def test_concurrent_requests_share_transactions_but_keep_their_own_answers(client, sessionmaker):
    """Requests that arrive together are written together (group commit); each is
    still answered for its own events, and a repeated event is accepted once."""
    import asyncio

    requests = [
        [event(f"g{i}-1", f"g{i}", "enqueued", "2026-03-02T10:00:00+04:00", caller="+994501112233"),
         event(f"g{i}-2", f"g{i}", "answered", "2026-03-02T10:00:07+04:00", agent="1001")]
        for i in range(40)
    ]
    # the same event again, in ten other requests racing the first ones
    requests += [[event("g0-1", "g0", "enqueued", "2026-03-02T10:00:00+04:00")] for _ in range(10)]
    answers = await asyncio.gather(*(post_pbx(client, r) for r in requests))
    assert all(a.status == 202 for a in answers)
    bodies = [await a.json() for a in answers]
    assert sum(b["accepted"] for b in bodies) == 80
    assert sum(b["duplicates"] for b in bodies) == 10
    assert all(b == {"accepted": 2, "duplicates": 0} for b in bodies[1:40])
    # whoever came first, the repeated event was stored once and answered once as new
    racers = sorted(b["accepted"] for b in [bodies[0], *bodies[40:]])
    assert racers in ([0] * 10 + [2], [0] * 9 + [1, 1])
    assert await count(sessionmaker, PbxEvent) == 80
    async with sessionmaker() as s:
        calls = (await s.execute(select(Call))).scalars().all()
    assert len(calls) == 40 and all(c.status == "answered" and c.wait_seconds == 7 for c in calls)


# --- the post-call survey (issue 16) -------------------------------------------------------

def survey(event_id: str, call_id: str, at: str, score) -> dict:
    return event(event_id, call_id, "survey", at, score=score)


async def test_a_survey_is_stored_once_and_a_repeat_is_a_duplicate(client, sessionmaker):
    assert await (await post_pbx(client, call_events())).json() == {"accepted": 4, "duplicates": 0}
    rated = survey("c1-s", "c1", "2026-03-02T10:04:00+04:00", 4)
    assert await (await post_pbx(client, rated)).json() == {"accepted": 1, "duplicates": 0}
    # the exchange redelivers it (even with another score: the event id decides)
    assert await (await post_pbx(client, [rated, dict(rated, score=1)])).json() == {"accepted": 0, "duplicates": 2}
    async with sessionmaker() as s:
        stored = (await s.execute(select(PbxEvent.type, PbxEvent.score).where(PbxEvent.type == "survey"))).all()
    assert stored == [("survey", 4)]
    call = await only_call(sessionmaker)
    assert (call.status, call.agent, call.survey_score) == ("answered", "1001", 4)
    assert call.survey_at.isoformat() == "2026-03-02T06:04:00+00:00"


async def test_a_survey_before_its_call_is_kept_and_attached(client, sessionmaker):
    await post_pbx(client, survey("s-early", "c1", "2026-03-02T10:04:00+04:00", 5))
    call = await only_call(sessionmaker)
    # a call record with no queue time yet: nothing counts it until its events arrive
    assert (call.pbx_call_id, call.enqueued_at, call.status, call.survey_score) == ("c1", None, "in_progress", 5)
    await post_pbx(client, call_events())
    call = await only_call(sessionmaker)
    assert (call.status, call.agent, call.wait_seconds, call.survey_score) == ("answered", "1001", 25, 5)


async def test_the_latest_survey_wins_whatever_the_order(client, sessionmaker, db):
    surveys = [survey("s-a", "c1", "2026-03-02T10:04:00+04:00", 2), survey("s-b", "c1", "2026-03-02T10:09:00+04:00", 5),
               survey("s-c", "c1", "2026-03-02T10:06:00+04:00", 1)]
    for order in ([0, 1, 2], [1, 0, 2], [2, 1, 0]):
        await truncate_all(db)
        for i in order:  # one request each: the merge with the stored record decides
            await post_pbx(client, surveys[i])
        call = await only_call(sessionmaker)
        assert (call.survey_score, call.survey_at.isoformat()) == (5, "2026-03-02T06:09:00+00:00"), order
    await truncate_all(db)
    await post_pbx(client, list(reversed(surveys)))  # all in one request
    assert (await only_call(sessionmaker)).survey_score == 5


async def test_a_bad_score_rejects_the_whole_batch(client, sessionmaker):
    good = call_events()
    cases = [
        (survey("s1", "c1", "2026-03-02T10:04:00+04:00", 6), "whole number 1..5"),
        (survey("s1", "c1", "2026-03-02T10:04:00+04:00", 0), "whole number 1..5"),
        (survey("s1", "c1", "2026-03-02T10:04:00+04:00", 4.5), "whole number 1..5"),
        (survey("s1", "c1", "2026-03-02T10:04:00+04:00", "5"), "whole number 1..5"),
        (survey("s1", "c1", "2026-03-02T10:04:00+04:00", True), "whole number 1..5"),
        (event("s1", "c1", "survey", "2026-03-02T10:04:00+04:00"), "required"),
        (dict(good[0], event_id="x", score=5), "survey events only"),  # a score on a call event
    ]
    for bad, message in cases:
        resp = await post_pbx(client, [*good, bad])
        assert resp.status == 422, bad
        body = await resp.json()
        assert (body["index"], body["field"]) == (4, "score") and message in body["message"], body
    assert await count(sessionmaker, PbxEvent) == 0
    assert await count(sessionmaker, Call) == 0

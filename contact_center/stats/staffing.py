"""Staffing with Erlang C: how many agents an hour needs (pure functions) and, over a
period, the offered calls, handling time, agents needed and agents actually
logged in for every weekday x hour (docs/stats.md, "Staffing").

Erlang C (M/M/N, callers wait): with traffic A = calls per hour x AHT / 3600
erlangs and N > A agents, the probability that a call waits is

    C(N, A) = N·B / (N − A·(1 − B)),   B = Erlang B(N, A) (by its recursion)

and then

    service level  SL  = 1 − C · e^(−(N − A) · T / AHT)   (answered within T seconds)
    speed of answer ASA = C · AHT / (N − A)
    occupancy          = A / N

`agents` is the smallest N > A whose SL reaches the target;
`scheduled_agents` = ceil(agents / (1 − shrinkage)) (breaks, training, absence).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contact_center.reference.calendar import DayOff, days_off_between
from contact_center.timeutil import local_range

MAX_AGENTS = 10_000


def erlang_b(agents: int, traffic: float) -> float:
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(agents: int, traffic: float) -> float:
    """The probability that a call has to wait (1 when N <= A: the queue grows without end)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents, traffic)
    return agents * b / (agents - traffic * (1 - b))


def service_level(agents: int, traffic: float, aht: float, threshold: float) -> float:
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1.0 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * threshold / aht)


def asa(agents: int, traffic: float, aht: float) -> float:
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht / (agents - traffic)


@dataclass(frozen=True)
class Staffing:
    traffic_erlangs: float
    agents: int
    scheduled_agents: int
    service_level: float
    asa_seconds: float
    occupancy: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def staffing(
    calls_per_hour: float, aht: float, *, target_sl: float = 0.8, threshold: float = 20, shrinkage: float = 0.0
) -> Staffing:
    """The agents an hour of `calls_per_hour` calls of `aht` seconds needs for `target_sl`
    of them answered within `threshold` seconds."""
    if calls_per_hour < 0 or aht <= 0 and calls_per_hour > 0:
        raise ValueError("calls per hour must be >= 0 and the handling time > 0")
    if not 0 < target_sl < 1:
        raise ValueError("the target service level is a share between 0 and 1 (e.g. 0.8)")
    if threshold < 0 or not 0 <= shrinkage < 1:
        raise ValueError("the threshold must be >= 0 and the shrinkage in [0, 1)")
    traffic = calls_per_hour * aht / 3600
    if traffic <= 0:
        return Staffing(0.0, 0, 0, 1.0, 0.0, 0.0)
    n = math.floor(traffic) + 1
    while service_level(n, traffic, aht, threshold) < target_sl:
        n += 1
        if n > MAX_AGENTS:
            raise ValueError("more than 10 000 agents: check the figures")
    return Staffing(
        traffic_erlangs=round(traffic, 4),
        agents=n,
        scheduled_agents=math.ceil(n / (1 - shrinkage) - 1e-9),
        service_level=round(service_level(n, traffic, aht, threshold), 4),
        asa_seconds=round(asa(n, traffic, aht), 2),
        occupancy=round(traffic / n, 4),
    )


# --- the plan over a period: every weekday x hour ----------------------------------------------

WEEKDAYS = ("B.e.", "Ç.a.", "Ç.", "C.a.", "C.", "Ş.", "B.")  # Monday first (ISO), as the seeds write them
MAX_PLAN_DAYS = 366


@dataclass(frozen=True)
class PlanCell:
    weekday: int  # 1 = Monday (ISO)
    hour: int  # local (Baku) hour 0-23
    offered_per_hour: float  # mean offered calls in this hour over the period's weeks
    handle_seconds: float | None  # mean talk + wrap-up of its answered calls
    agents_needed: int  # Erlang C for the target
    scheduled_agents: int  # with shrinkage
    service_level: float | None  # with agents_needed
    agents_present: float  # mean agents logged in (not offline) during this hour

    @property
    def gap(self) -> float:
        """Present minus scheduled: below zero is under-staffed."""
        return round(self.agents_present - self.scheduled_agents, 2)


@dataclass(frozen=True)
class Plan:
    date_from: date
    date_to: date
    target_sl: float
    threshold: float
    shrinkage: float
    wrap_up_seconds: float | None  # mean wrap-up per answered call in the period (from the agent states)
    cells: list[PlanCell]
    # Public holidays and moved days off in the period: left out of every average,
    # a holiday's traffic says nothing about an ordinary week.
    days_off: tuple[DayOff, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "target_sl": self.target_sl,
            "threshold": self.threshold, "shrinkage": self.shrinkage, "wrap_up_seconds": self.wrap_up_seconds,
            "cells": [asdict(c) | {"gap": c.gap} for c in self.cells],
            "days_off": [{"day": d.day.isoformat(), "name": d.name, "kind": d.kind} for d in self.days_off],
        }

    def cell(self, weekday: int, hour: int) -> PlanCell:
        return self.cells[(weekday - 1) * 24 + hour]


_CALLS = """
SELECT extract(isodow FROM timezone($3, t))::int AS dow, extract(hour FROM timezone($3, t))::int AS hour,
       count(*) AS offered, count(talk_seconds) AS answered, sum(talk_seconds) AS talk
FROM (SELECT coalesce(enqueued_at, answered_at, ended_at) AS t, talk_seconds FROM calls
      WHERE direction = 'inbound') c
WHERE t >= $1 AND t < $2 AND timezone($3, t)::date <> ALL($4::date[])
GROUP BY 1, 2
"""
_PRESENT = """
SELECT extract(isodow FROM timezone($3, s))::int AS dow, extract(hour FROM timezone($3, s))::int AS hour,
       sum(extract(epoch FROM least(coalesce(i.end_at, $4), s + interval '1 hour') - greatest(i.start_at, s)))
         / 3600.0 AS agent_hours
FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') AS s
JOIN agent_state_intervals i
  ON i.start_at < s + interval '1 hour' AND coalesce(i.end_at, $4) > s AND i.state <> 'offline'
WHERE timezone($3, s)::date <> ALL($5::date[])
GROUP BY 1, 2
"""
_WRAP = """
SELECT sum(extract(epoch FROM least(coalesce(end_at, $3), $2) - greatest(start_at, $1)))
FROM agent_state_intervals
WHERE state = 'wrap_up' AND start_at < $2 AND coalesce(end_at, $3) > $1
  AND timezone($4, start_at)::date <> ALL($5::date[])
"""


async def staffing_plan(
    conn: Any, tz: ZoneInfo, date_from: date, date_to: date, *, target_sl: float = 0.8, threshold: float = 20,
    shrinkage: float = 0.0, now: datetime | None = None,
) -> Plan:
    """For every weekday x local hour of [date_from, date_to]: the mean offered calls per
    hour over the period's weeks, the handling time (talk + wrap-up), the agents Erlang C
    needs and the agents actually logged in on average (from the agent states).
    Days off (reference/calendar.py) are left out: of the calls, the agents present
    and the count of each weekday's occurrences."""
    if date_to < date_from:
        raise ValueError("'to' is before 'from'")
    if (date_to - date_from).days >= MAX_PLAN_DAYS:
        raise ValueError(f"at most {MAX_PLAN_DAYS} days")
    staffing(1, 1, target_sl=target_sl, threshold=threshold, shrinkage=shrinkage)  # checks the options
    start, end = local_range(date_from, date_to, tz)
    now = now or datetime.now(UTC)
    off = tuple(d for d in await days_off_between(conn, date_from, date_to))
    off_days = [d.day for d in off]
    calls = {(r["dow"], r["hour"]): r for r in await conn.fetch(_CALLS, start, end, tz.key, off_days)}
    present = {(r["dow"], r["hour"]): float(r["agent_hours"] or 0)
               for r in await conn.fetch(_PRESENT, start, end, tz.key, min(now, end), off_days)}
    wrap_total = float(await conn.fetchval(_WRAP, start, end, min(now, end), tz.key, off_days) or 0)
    answered_total = sum(r["answered"] for r in calls.values())
    talk_total = sum(float(r["talk"] or 0) for r in calls.values())
    wrap_mean = wrap_total / answered_total if answered_total else None
    # How often each weekday occurs in the period (the weeks to average over).
    occurrences = [0] * 8
    day = date_from
    while day <= date_to:
        if day not in off_days:
            occurrences[day.isoweekday()] += 1
        day += timedelta(days=1)
    cells: list[PlanCell] = []
    for dow in range(1, 8):
        for hour in range(24):
            weeks = occurrences[dow]
            row = calls.get((dow, hour))
            offered = (row["offered"] / weeks) if row is not None and weeks else 0.0
            if row is not None and row["answered"]:
                handle: float | None = float(row["talk"] or 0) / row["answered"] + (wrap_mean or 0)
            elif answered_total:
                handle = talk_total / answered_total + (wrap_mean or 0)
            else:
                handle = None
            if offered and handle:
                need = staffing(offered, handle, target_sl=target_sl, threshold=threshold, shrinkage=shrinkage)
                agents, scheduled, level = need.agents, need.scheduled_agents, need.service_level
            else:
                agents, scheduled, level = 0, 0, None
            cells.append(PlanCell(
                weekday=dow, hour=hour, offered_per_hour=round(offered, 2),
                handle_seconds=None if handle is None else round(handle, 1),
                agents_needed=agents, scheduled_agents=scheduled, service_level=level,
                agents_present=round(present.get((dow, hour), 0.0) / weeks, 2) if weeks else 0.0,
            ))
    return Plan(date_from, date_to, target_sl, threshold, shrinkage,
                None if wrap_mean is None else round(wrap_mean, 1), cells, off)

"""`cc142 seed-demo`: realistic call traffic so a newcomer sees a living system.

Shaped like the seeds: about 2,850 incoming calls a day (1.04 M a year), a
working-hours peak, about 98.7 % answered, short waits with a long tail.
Events go through the same ingest service as the PBX, so every derived
field is computed exactly as in production.
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from tqdm import tqdm

from contact_center.config import Settings
from contact_center.services import call_hooks
from contact_center.services.pbx_ingest import PbxEventIn, ingest_events

CALLS_PER_DAY = 2850
# Share of the day's calls per local hour (08:00-20:00 carry almost everything).
HOUR_WEIGHTS = [1, 0, 0, 0, 0, 1, 2, 6, 22, 34, 36, 34, 28, 30, 33, 30, 26, 18, 10, 6, 4, 3, 2, 1]
AGENTS = [str(1000 + i) for i in range(1, 41)]
MOBILE_PREFIXES = ["50", "51", "55", "70", "77", "99", "10", "60"]


def _calls_for_day(rng: random.Random, day: date, settings: Settings) -> list[PbxEventIn]:
    tz = settings.tz
    weekend = day.isoweekday() >= 6
    n = int(CALLS_PER_DAY * (0.45 if weekend else 1.1) * rng.uniform(0.9, 1.1))
    events: list[PbxEventIn] = []
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=n)
    for i, hour in enumerate(hours):
        start = datetime.combine(day, time(hour), tzinfo=tz) + timedelta(seconds=rng.uniform(0, 3600))
        call_id = f"demo-{day:%Y%m%d}-{i:05d}"
        caller = "+994" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        ev = [PbxEventIn(f"{call_id}-e", call_id, "enqueued", start, caller, "142")]
        if rng.random() < 0.987:
            wait = min(rng.expovariate(1 / 14), 240)
            agent = rng.choice(AGENTS)
            answered = start + timedelta(seconds=wait)
            talk = max(20.0, rng.gauss(150, 60))
            ev.append(PbxEventIn(f"{call_id}-r", call_id, "ringing", answered - timedelta(seconds=3), caller, "142", agent))
            ev.append(PbxEventIn(f"{call_id}-a", call_id, "answered", answered, caller, "142", agent))
            ev.append(PbxEventIn(f"{call_id}-c", call_id, "completed", answered + timedelta(seconds=talk), caller, "142", agent))
        else:
            wait = rng.uniform(2, 120)
            ev.append(PbxEventIn(f"{call_id}-x", call_id, "abandoned", start + timedelta(seconds=wait), caller, "142"))
        events.extend(ev)
    return events


async def seed_demo(engine: AsyncEngine, settings: Settings, *, days: int, seed: int = 142) -> None:
    rng = random.Random(seed)
    today = datetime.now(settings.tz).date()
    with tqdm(total=days, unit="day", desc="demo traffic", file=sys.stderr) as bar:
        for offset in range(days, 0, -1):
            day = today - timedelta(days=offset)
            events = _calls_for_day(rng, day, settings)
            async with engine.begin() as conn:
                for i in range(0, len(events), 1000):
                    result = await ingest_events(conn, events[i : i + 1000], source="demo")
                    await call_hooks.calls_changed(conn, settings, result.calls)
            bar.update(1)

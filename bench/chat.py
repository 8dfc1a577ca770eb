"""Chat reply latency: a real backend process and the real Rasa bot, driven
from this second process on loopback.

20 concurrent conversations (visitors) each send a series of ordinary
citizen questions through POST /api/v1/chat/messages and wait for the bot's
reply before the next one, after a "reading and typing" pause (--think
seconds, randomised +-50 %). Latency = request sent -> full reply received
(citizen message stored, Rasa asked, replies stored and delivered).

The same load is also sent straight to Rasa's REST webhook, and the backend
reports its own share in a Server-Timing header (store / bot / reply), so
the figures separate what the backend adds from what Rasa takes. A first
phase sends one message at a time (service time without queueing); a last
one sends with no pause at all (saturation, informative).

Targets (issue 4): p50 <= 100 ms, p95 <= 250 ms through the backend.

    .venv/bin/python bench/chat.py [--conversations 20] [--messages 6] [--rounds 3] [--think 3.0]
                                   [--rasa-url http://127.0.0.1:5005] [--baseline MODEL.tar.gz]

Without --rasa-url (or RASA_URL) the bot is trained if needed and started
with chatbot/manage.py on free ports.

    .venv/bin/python bench/chat.py --rasa-replicas 2 [--conversations 20] [--rounds 3]

compares one Rasa replica with N in the same run: N replicas and their action
server start with the trackers in PostgreSQL (an embedded server in a temp
dir, database cc142_rasa) and the locks in Redis (REDIS_URL, default the
machine's 127.0.0.1:6379), then two backends run against the same database,
one with RASA_URL = the first replica, one with all N. Saturation rounds (no
think time) alternate between the two, so both see the same background load;
Rasa alone is measured the same way (conversations spread by visitor).

    .venv/bin/python bench/chat.py --fake-bot [--conversations 50] [--rounds 3] [--workers 2]

what the backend and its PostgreSQL carry when the bot is not the limit: a
stand-in Rasa (another process, answering every message at once with one text
and the cc142 payload) behind a real `cc142 serve`, saturated without pauses;
each message is still stored, the bot asked over HTTP, the reply stored and
published.

--baseline MODEL.tar.gz compares the current model with another one (e.g. the
model before a change: keep its file) in the same run: a second Rasa serves it
(with the current action server) behind a second backend, and every phase
alternates between the two, so both see the same background load. Both sets
of figures are printed, then the ratios current / baseline. Nothing is trained
for the baseline: without the file there is no comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._common import backend, percentile  # noqa: E402

# Ordinary questions the bot answers itself (no hand-off), several directions.
QUESTIONS = [
    "Salam",
    "Ünvanlı sosial yardım almaq üçün nə etməliyəm?",
    "Pensiyamın məbləğini necə öyrənə bilərəm?",
    "İşsiz kimi qeydiyyata necə düşə bilərəm?",
    "Vakansiyalara harada baxa bilərəm?",
    "Əlilliyin müəyyən edilməsi üçün hara müraciət edim?",
    "DOST mərkəzləri saat neçədə işləyir?",
    "Arayışı necə ala bilərəm?",
    "Özünüməşğulluq proqramına necə qoşulum?",
    "Əmək haqqımı vermirlər, nə edim?",
    "e-sosial.az portalında nə var?",
    "Təşəkkür edirəm",
]

Send = Callable[[aiohttp.ClientSession, str, str], Awaitable[bool]]


# Server-Timing of each backend answer: store / bot / reply milliseconds.
SERVER_TIMINGS: list[dict[str, float]] = []


def backend_sender(base: str) -> Send:
    async def send(http: aiohttp.ClientSession, visitor: str, text: str) -> bool:
        async with http.post(f"{base}/api/v1/chat/messages", json={"visitor_id": visitor, "text": text}) as r:
            body = await r.json()
            if r.status != 200:
                raise RuntimeError(f"HTTP {r.status}: {body}")
            timing = {}
            for part in r.headers.get("Server-Timing", "").split(","):
                name, _, dur = part.strip().partition(";dur=")
                if dur:
                    timing[name] = float(dur)
            SERVER_TIMINGS.append(timing)
            return bool(body["handoff"])

    return send


def report_own_time(label: str) -> None:
    """The backend's own share: storing the message and the replies (Rasa excluded)."""
    own = [t.get("store", 0) + t.get("reply", 0) for t in SERVER_TIMINGS if t]
    bot = [t.get("bot", 0) for t in SERVER_TIMINGS if t]
    store = [t.get("store", 0) for t in SERVER_TIMINGS if t]
    reply = [t.get("reply", 0) for t in SERVER_TIMINGS if t]
    SERVER_TIMINGS.clear()
    if own:
        print(f"{label:<34}        p50 {percentile(own, 50):6.1f} ms  p95 {percentile(own, 95):6.1f} ms"
              f"   (store p50 {percentile(store, 50):.1f}, reply p50 {percentile(reply, 50):.1f}; "
              f"waiting for Rasa p50 {percentile(bot, 50):.1f} ms, p95 {percentile(bot, 95):.1f} ms)")


def rasa_sender(rasa_url: str) -> Send:
    async def send(http: aiohttp.ClientSession, visitor: str, text: str) -> bool:
        body = {"sender": visitor, "message": text, "metadata": {"channel": "web_chat"}}
        async with http.post(f"{rasa_url}/webhooks/rest/webhook", json=body) as r:
            if r.status != 200:
                raise RuntimeError(f"Rasa HTTP {r.status}")
            await r.json()
            return False

    return send


async def run_load(send: Send, conversations: int, messages: int, think: float) -> tuple[list[float], int, float]:
    """-> (latencies in seconds, hand-offs, wall time)."""
    latencies: list[float] = []
    handoffs = 0

    async def conversation(n: int, http: aiohttp.ClientSession) -> None:
        nonlocal handoffs
        visitor = f"bench-{secrets.token_hex(8)}"
        rnd = random.Random(n)
        await asyncio.sleep(rnd.uniform(0, think or 0.05))  # do not start in lock-step
        for i in range(messages):
            text = QUESTIONS[(n + i) % len(QUESTIONS)]
            t0 = time.perf_counter()
            handed = await send(http, visitor, text)
            latencies.append(time.perf_counter() - t0)
            if handed:
                handoffs += 1
                return  # with the humans now: no longer a bot conversation
            if think:
                await asyncio.sleep(rnd.uniform(think * 0.5, think * 1.5))

    connector = aiohttp.TCPConnector(limit=conversations * 2)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(conversation(n, http) for n in range(conversations)))
        wall = time.perf_counter() - t0
    return latencies, handoffs, wall


def report(label: str, latencies: list[float], handoffs: int, wall: float) -> dict[str, float]:
    ms = [x * 1000 for x in latencies]
    figures = {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
               "mean": statistics.fmean(ms), "max": max(ms), "rate": len(ms) / wall}
    print(f"{label:<34} n={len(ms):4d}  p50 {figures['p50']:6.1f} ms  p95 {figures['p95']:6.1f} ms  "
          f"p99 {figures['p99']:6.1f} ms  max {figures['max']:6.1f} ms  {figures['rate']:5.1f} msg/s"
          + (f"  hand-offs {handoffs}" if handoffs else ""))
    return figures


@contextlib.contextmanager
def bot(rasa_url: str | None, model: Path | None = None, name: str = "current") -> Iterator[str]:
    """A running bot: the one at `rasa_url`, else started with chatbot/manage.py
    (the current model, trained if needed; or `model`, never trained)."""
    if rasa_url:
        yield rasa_url.rstrip("/")
        return
    sys.path.insert(0, str(ROOT / "chatbot"))
    import manage  # type: ignore[import-not-found]

    what = f"the {name} model {model.name}" if model else "the current model (training it if needed)"
    print(f"starting Rasa and the action server with {what} ...", flush=True)
    handle = manage.start(model=model, log_dir=Path(os.environ.get("TMPDIR", "/tmp")) / f"cc142-bench-rasa-{name}")
    try:
        yield handle.url
    finally:
        handle.stop()


@dataclass
class Target:
    """One bot and the backend in front of it."""

    name: str
    base: str
    rasa_url: str
    rasa: list[float] = field(default_factory=list)
    full: list[float] = field(default_factory=list)
    own: list[dict[str, float]] = field(default_factory=list)
    handoffs: list[int] = field(default_factory=lambda: [0, 0])
    wall: list[float] = field(default_factory=lambda: [0.0, 0.0])


async def bench(targets: list[Target], args: argparse.Namespace) -> dict[str, dict[str, float]]:
    for t in targets:  # warm every path (TensorFlow's first predictions, connection pools)
        await run_load(rasa_sender(t.rasa_url), 4, 5, 0)
        await run_load(backend_sender(t.base), 4, 5, 0)
    SERVER_TIMINGS.clear()
    print(f"load average at the start (1, 5, 15 min): {os.getloadavg()} on {os.cpu_count()} CPUs")
    for t in targets:
        print(f"\n[{t.name}] one conversation at a time (service time, no queueing):")
        report("Rasa REST webhook alone", *await run_load(rasa_sender(t.rasa_url), 1, 30, 0.05))
        SERVER_TIMINGS.clear()
        report("through the backend (end to end)", *await run_load(backend_sender(t.base), 1, 30, 0.05))
        report_own_time("  of which the backend's own work")
    print(f"\n{args.conversations} concurrent conversations x {args.messages} messages x {args.rounds} rounds, "
          f"think time ~{args.think:.1f} s (every bot and path takes turns within each round, so all see the "
          f"same background load):")
    SERVER_TIMINGS.clear()
    for _ in range(args.rounds):
        for t in targets:
            lat, h, w = await run_load(rasa_sender(t.rasa_url), args.conversations, args.messages, args.think)
            t.rasa += lat
            t.handoffs[0] += h
            t.wall[0] += w
            lat, h, w = await run_load(backend_sender(t.base), args.conversations, args.messages, args.think)
            t.full += lat
            t.handoffs[1] += h
            t.wall[1] += w
            t.own += SERVER_TIMINGS
            SERVER_TIMINGS.clear()
    results: dict[str, dict[str, float]] = {}
    for t in targets:
        print(f"[{t.name}]")
        rasa = report("Rasa REST webhook alone", t.rasa, t.handoffs[0], t.wall[0])
        full = report("through the backend (end to end)", t.full, t.handoffs[1], t.wall[1])
        SERVER_TIMINGS.extend(t.own)
        report_own_time("  of which the backend's own work")
        results[t.name] = {**{f"rasa_{k}": v for k, v in rasa.items()}, **full}
    print("\nsaturation (no think time, informative):")
    for t in targets:
        alone = await run_load(rasa_sender(t.rasa_url), args.conversations, 5, 0)
        report(f"[{t.name}] Rasa REST webhook alone", *alone)
        SERVER_TIMINGS.clear()
        report(f"[{t.name}] through the backend", *await run_load(backend_sender(t.base), args.conversations, 5, 0))
        SERVER_TIMINGS.clear()
    print(f"\nload average at the end (1, 5, 15 min): {os.getloadavg()}")
    if "baseline" in results:
        cur, base = results["current"], results["baseline"]
        print("\ncurrent vs baseline (ratio = current / baseline; above 1.00 the current model is slower):")
        for key, label in (("rasa_p50", "Rasa alone p50"), ("rasa_p95", "Rasa alone p95"),
                           ("p50", "end to end p50"), ("p95", "end to end p95")):
            print(f"  {label:<16} current {cur[key]:6.1f} ms   baseline {base[key]:6.1f} ms   "
                  f"ratio {cur[key] / base[key]:.2f}")
    full = results["current"]
    ok = full["p50"] <= 100 and full["p95"] <= 250
    print(f"\ntarget p50 <= 100 ms, p95 <= 250 ms (current model): {'met' if ok else 'NOT met'}")
    return results


def spread_rasa_sender(urls: list[str]) -> Send:
    """Straight to the replicas, each conversation to one (as the backend's client does)."""
    senders = [rasa_sender(u) for u in urls]

    async def send(http: aiohttp.ClientSession, visitor: str, text: str) -> bool:
        return await senders[hash(visitor) % len(senders)](http, visitor, text)

    return send


async def compare_replicas(one: str, many: str, urls: list[str], args: argparse.Namespace) -> None:
    n = len(urls)
    for sender in (rasa_sender(urls[0]), spread_rasa_sender(urls), backend_sender(one), backend_sender(many)):
        await run_load(sender, 4, 5, 0)  # warm every replica and both backends
    SERVER_TIMINGS.clear()
    print(f"load average at the start (1, 5, 15 min): {os.getloadavg()} on {os.cpu_count()} CPUs")
    print(f"\nsaturation: {args.conversations} conversations x 5 messages, no think time, "
          f"{args.rounds} alternating rounds each:")
    runs: dict[str, tuple[list[float], int, float]] = {}
    cases = [
        ("Rasa alone, 1 replica", rasa_sender(urls[0])),
        (f"Rasa alone, {n} replicas", spread_rasa_sender(urls)),
        ("backend, 1 replica", backend_sender(one)),
        (f"backend, {n} replicas", backend_sender(many)),
    ]
    for _ in range(args.rounds):
        for label, sender in cases:
            lat, h, w = await run_load(sender, args.conversations, 5, 0)
            prev = runs.get(label, ([], 0, 0.0))
            runs[label] = (prev[0] + lat, prev[1] + h, prev[2] + w)
        SERVER_TIMINGS.clear()
    figures = {label: report(label, *runs[label]) for label, _ in cases}
    print(f"\nload average at the end (1, 5, 15 min): {os.getloadavg()}")
    for kind in ("Rasa alone", "backend"):
        a, b = figures[f"{kind}, 1 replica"], figures[f"{kind}, {n} replicas"]
        print(f"{kind}: {n} replicas give x{b['rate'] / a['rate']:.2f} the throughput of one "
              f"({a['rate']:.1f} -> {b['rate']:.1f} msg/s), p95 {a['p95']:.0f} -> {b['p95']:.0f} ms")
    print(f"(all {n} replicas, the action server, the backends and this load generator share "
          f"{os.cpu_count()} CPUs: a gain on bigger machines is not measured here)")


FAKE_RASA = """
import sys
from aiohttp import web

async def webhook(request):
    body = await request.json()
    return web.json_response([
        {"recipient_id": body["sender"], "text": "Bu sualın cavabı e-sosial.az portalındadır."},
        {"recipient_id": body["sender"], "custom": {"cc142": {
            "contract": 2, "intent": "ask_pension", "confidence": 0.97, "direction": "social_protection",
            "answer_key": "social_protection/pension", "language": "az", "handoff": False,
            "urgent": False, "handoff_reason": None, "callback": None}}},
    ])

async def hello(_request):
    return web.Response(text="Hello from Rasa: 3.6.21")

app = web.Application()
app.router.add_post("/webhooks/rest/webhook", webhook)
app.router.add_get("/", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


@contextlib.contextmanager
def fake_bot() -> Iterator[str]:
    """A stand-in Rasa in its own process (instant, fixed answer)."""
    import subprocess
    import urllib.request

    from bench._common import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", FAKE_RASA, str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


async def database_capacity(base: str, args: argparse.Namespace) -> None:
    await run_load(backend_sender(base), 4, 5, 0)
    SERVER_TIMINGS.clear()
    print(f"load average at the start (1, 5, 15 min): {os.getloadavg()} on {os.cpu_count()} CPUs")
    runs: tuple[list[float], int, float] = ([], 0, 0.0)
    for _ in range(args.rounds):
        lat, h, w = await run_load(backend_sender(base), args.conversations, 20, 0)
        runs = (runs[0] + lat, runs[1] + h, runs[2] + w)
    report(f"backend ({args.workers} worker(s)), instant bot", *runs)
    report_own_time("  of which the backend's own work")
    print(f"load average at the end (1, 5, 15 min): {os.getloadavg()}")


@contextlib.contextmanager
def replicas(n: int) -> Iterator[tuple[list[str], str]]:
    """N Rasa replicas on a shared SQL tracker store and Redis lock store -> (urls, DATABASE_URL)."""
    sys.path.insert(0, str(ROOT / "chatbot"))
    import tempfile

    import manage  # type: ignore[import-not-found]

    from contact_center.db.embedded import DATABASE_NAME, asyncpg_url, ensure_database, start_embedded

    uri = start_embedded(Path(tempfile.mkdtemp(prefix="cc142-bench-pg-")))
    asyncio.run(ensure_database(uri, DATABASE_NAME))
    database_url = asyncpg_url(uri, DATABASE_NAME)
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"
    print(f"starting {n} Rasa replicas (trackers in PostgreSQL, locks in {redis_url}) ...", flush=True)
    handle = manage.start(replicas=n, database_url=database_url, redis_url=redis_url, timeout=600,
                          log_dir=Path(os.environ.get("TMPDIR", "/tmp")) / "cc142-bench-rasa-replicas")
    try:
        yield handle.urls, database_url
    finally:
        handle.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=6, help="messages per conversation and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think", type=float, default=3.0,
                        help="seconds between a reply and the citizen's next message (randomised +-50%%)")
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL"))
    parser.add_argument("--rasa-replicas", type=int, default=0,
                        help="compare one Rasa replica with this many (shared trackers and locks)")
    parser.add_argument("--fake-bot", action="store_true",
                        help="an instant stand-in Rasa: what the backend and PostgreSQL carry")
    parser.add_argument("--workers", type=int, default=1, help="backend worker processes (with --fake-bot)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a model file (.tar.gz) to compare with in the same run, e.g. the previous model; "
                             "it is served by a second Rasa and backend; nothing is trained for it")
    args = parser.parse_args()
    if args.fake_bot:
        with fake_bot() as url:
            env = {"RASA_URL": url, "CHAT_RATE_PER_IP": "1000000", "CHAT_RATE_PER_VISITOR": "1000000",
                   "CC142_WORKERS": str(args.workers)}
            with backend(env) as base:
                print(f"backend {base}, stand-in Rasa {url}; {args.conversations} conversations x 20 messages "
                      f"x {args.rounds} rounds, no pauses")
                asyncio.run(database_capacity(base, args))
        return
    if args.rasa_replicas > 1:
        limits = {"CHAT_RATE_PER_IP": "1000000", "CHAT_RATE_PER_VISITOR": "1000000"}
        with replicas(args.rasa_replicas) as (urls, database_url):
            with backend({**limits, "DATABASE_URL": database_url, "RASA_URL": urls[0]}) as one, \
                    backend({**limits, "DATABASE_URL": database_url, "RASA_URL": ",".join(urls)}) as many:
                print(f"backends {one} (Rasa {urls[0]}) and {many} (Rasa {','.join(urls)})")
                asyncio.run(compare_replicas(one, many, urls, args))
        return
    if args.baseline is not None and not args.baseline.is_file():
        parser.error(f"--baseline {args.baseline}: no such model file (the bench trains no baseline)")
    env = {"CHAT_RATE_PER_IP": "1000000", "CHAT_RATE_PER_VISITOR": "1000000"}
    with contextlib.ExitStack() as stack:
        rasa_url = stack.enter_context(bot(args.rasa_url))
        targets = [Target("current", stack.enter_context(backend({**env, "RASA_URL": rasa_url})), rasa_url)]
        if args.baseline is not None:
            base_rasa = stack.enter_context(bot(None, args.baseline.resolve(), "baseline"))
            targets.append(Target("baseline", stack.enter_context(backend({**env, "RASA_URL": base_rasa})),
                                  base_rasa))
        for t in targets:
            print(f"[{t.name}] backend {t.base}, Rasa {t.rasa_url}")
        asyncio.run(bench(targets, args))


if __name__ == "__main__":
    main()

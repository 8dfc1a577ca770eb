"""Meta webhook benchmark: a real backend process, driven from this process on loopback.

Citizens write to the page (signed `object: page` webhooks, each from a new
contact); the bot is unreachable, so each message is handed to the agents and
the apology goes out through the outbox to a fake Graph API server running
here. Prints:

- how fast the webhook answers 200 (what Meta sees; it redelivers when slow),
  for single-item POSTs and for batches of 10;
- receipt to Send API: from the POST to the apology reaching the Graph server
  (inbox -> chat core -> outbox -> worker -> Send API);
- throughput of the whole path in messages/s.

    .venv/bin/python bench/meta.py [--messages 1000] [--concurrency 16] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import backend, describe, free_port  # noqa: E402
from contact_center.web.signatures import sign_sha256  # noqa: E402
from tests.fakes.graph_server import FakeGraph  # noqa: E402

SECRET = "bench-meta-secret"
PAGE = "104000000000001"


def payload(run: str, first: int, count: int) -> bytes:
    now = int(time.time() * 1000)
    items = [
        {"sender": {"id": f"{run}{n:07d}"}, "recipient": {"id": PAGE}, "timestamp": now,
         "message": {"mid": f"m_{run}_{n}", "text": "Salam, pensiyam nə vaxt köçürüləcək?"}}
        for n in range(first, first + count)
    ]
    return json.dumps({"object": "page", "entry": [{"id": PAGE, "time": now, "messaging": items}]}).encode()


async def run_phase(url: str, graph: FakeGraph, run: str, messages: int, batch: int, concurrency: int) -> None:
    post_latency: list[float] = []
    sent_at: dict[str, float] = {}
    bodies = [payload(run, i, batch) for i in range(0, messages, batch)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    before = len(graph.delivered)
    started = time.perf_counter()

    async def client(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            contacts = [i["sender"]["id"] for i in json.loads(body)["entry"][0]["messaging"]]
            t0 = time.perf_counter()
            async with http.post(url + "/webhooks/meta", data=body, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": sign_sha256(SECRET, body)}) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            post_latency.append(time.perf_counter() - t0)
            for c in contacts:
                sent_at[c] = t0

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
    posted = time.perf_counter() - started
    await graph.wait_for(before + messages, delivered=True, timeout=600)
    total = time.perf_counter() - started
    arrived: dict[str, float] = {r.body["recipient"]["id"]: r.at for r in graph.delivered[before:]}
    e2e = [arrived[c] - sent_at[c] for c in sent_at]
    print(f"  batch of {batch:>2}: {len(bodies)} POSTs, {messages} messages, concurrency {concurrency}")
    print(f"    webhook answer (200):       {describe(post_latency)}; {len(bodies) / posted:,.0f} POSTs/s")
    print(f"    receipt -> Send API:        {describe(e2e)}")
    print(f"    whole path:                 {messages / total:,.0f} messages/s")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    graph = await FakeGraph(tokens={"bench-page-token"}).start()
    env = {
        "META_APP_SECRET": SECRET, "META_VERIFY_TOKEN": "bench", "META_PAGE_ACCESS_TOKEN": "bench-page-token",
        "META_GRAPH_URL": graph.url, "RASA_URL": f"http://127.0.0.1:{free_port()}", "RASA_TIMEOUT_SECONDS": "1",
        "CC142_WORKERS": str(args.workers),
    }
    try:
        with backend(env) as url:
            print(f"Meta webhook -> bot unreachable -> apology via outbox ({args.workers} backend process(es))")
            await run_phase(url, graph, "71", args.messages, 1, args.concurrency)
            await run_phase(url, graph, "72", args.messages, 10, args.concurrency)
    finally:
        await graph.stop()


if __name__ == "__main__":
    asyncio.run(main())

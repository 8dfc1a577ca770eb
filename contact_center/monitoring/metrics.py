"""The process's Prometheus metrics: one `Metrics` per process (the runtime
builds it, contact_center/runtime.py), served by GET /metrics
(contact_center/api/metrics.py).

Labels are few and fixed (route names, channels, outcomes; never a path, a
phone number or an id), so the series stay a bounded set.

With `cc142 serve --workers N` every process writes its values to files in
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode, chosen when
prometheus_client is first imported) and a scrape, whichever process answers
it, adds up the files of the whole group: counters and histograms summed,
the gauges of what is open now ("livesum") summed over the living processes.
Figures of the database (backlogs) are read at scrape time instead
(contact_center/monitoring/backlog.py): they are the same whoever asks.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

class AmiCounts(Protocol):
    """What follow_ami reads (contact_center.calls.ami.AmiStatus has it)."""

    state: object
    mapped: int
    ignored: int
    filtered: int
    invalid: int
    garbage: int
    call_events: int
    agent_events: int
    reconnects: int


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BOT_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


def multiprocess_active() -> bool:
    """prometheus-client picked its multiprocess values when it was imported."""
    return values.ValueClass is not values.MutexValue


class Metrics:
    """Every metric of the process, on a registry of its own (so that tests may
    build many applications in one process)."""

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        if multiprocess_dir is not None and not multiprocess_active():
            raise RuntimeError(
                "PROMETHEUS_MULTIPROC_DIR must be in the environment when the process starts "
                "(prometheus-client reads it once, on import)"
            )
        self.multiprocess_dir = multiprocess_dir
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.processes = Gauge(
            "cc142_processes", "Backend processes serving (the process group of `cc142 serve --workers N`)",
            multiprocess_mode="livesum", registry=r)
        self.processes.set(1)
        self.http_requests = Counter(
            "cc142_http_requests", "HTTP requests answered, by route name, method and status class",
            ["route", "method", "status"], registry=r)
        self.http_duration = Histogram(
            "cc142_http_request_duration_seconds", "Time to answer an HTTP request, by route name "
            "(WebSockets are not timed)", ["route"], buckets=HTTP_BUCKETS, registry=r)
        self.pbx_events = Counter(
            "cc142_pbx_events", "PBX call events received: accepted (new), duplicate (a repeated event id), "
            "rejected (in a request refused as invalid; a queue_log's malformed lines)", ["source", "result"],
            registry=r)
        self.pbx_refused = Counter(
            "cc142_pbx_requests_refused", "PBX requests refused, by reason: signature, json, invalid, encoding",
            ["source", "reason"], registry=r)
        self.chat_messages = Counter(
            "cc142_chat_messages", "Citizens' chat messages by channel and status: stored, duplicate, rejected "
            "(invalid), rate_limited", ["channel", "status"], registry=r)
        self.bot_duration = Histogram(
            "cc142_bot_request_duration_seconds", "Time the bot (Rasa) took to answer, failures included",
            buckets=BOT_BUCKETS, registry=r)
        self.bot_failures = Counter(
            "cc142_bot_failures", "Bot requests that failed (unreachable, timeout, unusable answer)", registry=r)
        self.handoffs = Counter(
            "cc142_chat_handoffs", "Conversations the bot handed to the agents, by channel and reason",
            ["channel", "reason"], registry=r)
        self.live_sockets = Gauge(
            "cc142_live_sockets", "Open WebSockets: console (live updates) and chat (the widget)",
            ["kind"], multiprocess_mode="livesum", registry=r)
        self.db_pool_checked_out = Gauge(
            "cc142_db_pool_checked_out", "Database connections in use from the pools",
            multiprocess_mode="livesum", registry=r)
        self.ami_events = Counter(
            "cc142_ami_events", "AMI events received from Asterisk, by outcome: mapped (gave call or agent events), "
            "ignored (unknown or of no use), filtered (a queue outside AMI_QUEUES), invalid (lacking what they "
            "need), garbage (lines and blocks that are not AMI)", ["outcome"], registry=r)
        self.ami_delivered = Counter(
            "cc142_ami_delivered_events", "Events the AMI connection handed over, by kind: call, agent",
            ["kind"], registry=r)
        self.ami_reconnects = Counter(
            "cc142_ami_reconnects", "AMI connections attempted again after one ended or failed", registry=r)
        self.ami_connected = Gauge(
            "cc142_ami_connected", "1 while this deployment's AMI connection is logged in (held by one process)",
            multiprocess_mode="livesum", registry=r)
        self._ami_seen: dict[str, int] = {}
        self.db_pool_open = Gauge(
            "cc142_db_pool_connections", "Database connections the pools hold open",
            multiprocess_mode="livesum", registry=r)

    # --- what the parts of the process report -------------------------------------------

    def observe_request(self, route: str, method: str, status: int, seconds: float | None) -> None:
        self.http_requests.labels(route, method, f"{status // 100}xx").inc()
        if seconds is not None:
            self.http_duration.labels(route).observe(seconds)

    def count_pbx(self, source: str, *, accepted: int = 0, duplicates: int = 0, rejected: int = 0) -> None:
        for result, n in (("accepted", accepted), ("duplicate", duplicates), ("rejected", rejected)):
            if n:
                self.pbx_events.labels(source, result).inc(n)

    def refuse_pbx(self, source: str, reason: str, *, events: int = 0) -> None:
        self.pbx_refused.labels(source, reason).inc()
        self.count_pbx(source, rejected=events)

    def count_chat_message(self, channel: str, status: str) -> None:
        self.chat_messages.labels(channel, status).inc()

    @contextmanager
    def bot_call(self) -> Iterator[None]:
        """Time one request to the bot; an exception counts as a failure."""
        started = time.perf_counter()
        try:
            yield
        except Exception:
            self.bot_failures.inc()
            raise
        finally:
            self.bot_duration.observe(time.perf_counter() - started)

    def count_handoff(self, channel: str, reason: str) -> None:
        self.handoffs.labels(channel, reason).inc()

    @contextmanager
    def live_socket(self, kind: str) -> Iterator[None]:
        gauge = self.live_sockets.labels(kind)
        gauge.inc()
        try:
            yield
        finally:
            gauge.dec()

    def follow_ami(self, status: AmiCounts) -> None:
        """Bring the AMI series up to the connector's status (its counters only grow)."""
        for name, counter in (
            ("mapped", self.ami_events.labels("mapped")), ("ignored", self.ami_events.labels("ignored")),
            ("filtered", self.ami_events.labels("filtered")), ("invalid", self.ami_events.labels("invalid")),
            ("garbage", self.ami_events.labels("garbage")), ("call_events", self.ami_delivered.labels("call")),
            ("agent_events", self.ami_delivered.labels("agent")), ("reconnects", self.ami_reconnects),
        ):
            value = int(getattr(status, name))
            delta = value - self._ami_seen.get(name, 0)
            if delta > 0:
                counter.inc(delta)
            self._ami_seen[name] = value
        self.ami_connected.set(1 if str(status.state) == "connected" else 0)

    def watch_pool(self, engine: AsyncEngine) -> None:
        """Follow the engine's pool: connections open and checked out."""
        pool = engine.sync_engine.pool
        event.listen(pool, "connect", lambda *_: self.db_pool_open.inc())
        event.listen(pool, "close", lambda *_: self.db_pool_open.dec())
        event.listen(pool, "checkout", lambda *_: self.db_pool_checked_out.inc())
        event.listen(pool, "checkin", lambda *_: self.db_pool_checked_out.dec())
        event.listen(pool, "detach", lambda *_: (self.db_pool_checked_out.dec(), self.db_pool_open.dec()))

    # --- the exposition ---------------------------------------------------------------

    def exposition(self, scrape_time: Iterable[Collector] = ()) -> bytes:
        """The text format: this process's metrics (the whole group's in multiprocess
        mode), then the collectors computed for this scrape."""
        if self.multiprocess_dir is not None:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=str(self.multiprocess_dir))
        else:
            registry = self.registry
        extra = CollectorRegistry()
        for collector in scrape_time:
            extra.register(collector)
        return generate_latest(registry) + generate_latest(extra)


def prepare_multiprocess_dir(path: Path) -> None:
    """An empty directory for a new process group (old files would count again)."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def process_gone(path: Path, pid: int) -> None:
    """A process of the group ended: its open sockets and connections are no more."""
    mark_process_dead(pid, str(path))

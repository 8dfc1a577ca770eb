"""Watching the process: Prometheus metrics (`metrics.Metrics`, one per
process, built by the runtime), the database backlog read at scrape time
(`backlog`), and the log format (`logs`: text or JSON lines, with the
request's id and nothing personal).

Plumbing: the domains may take a `Metrics` (the chat counts its messages,
hand-offs and the bot's latency); nothing here imports a domain.
"""

from contact_center.monitoring.metrics import Metrics

__all__ = ["Metrics"]

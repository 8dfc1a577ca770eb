"""Caps on concurrent WebSockets (the web chat widget's), counted in this process.

A socket holds a place per key (the client's address, the visitor) and one of
the total; `admit` refuses when any cap is full. Per process: with
CC142_WORKERS > 1 each process applies the caps to its own sockets, which
bounds what one process holds (the point: memory and tasks per process).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class SocketRefused(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(f"too many open sockets for this {what}")
        self.what = what


@dataclass
class SocketCaps:
    held: Counter[tuple[str, str]] = field(default_factory=Counter)
    total: int = 0

    @contextmanager
    def hold(self, caps: dict[str, tuple[str, int]], total_cap: int) -> Iterator[None]:
        """Hold a place under each cap {what: (key, cap)} and the total; SocketRefused when full."""
        if self.total >= total_cap:
            raise SocketRefused("server")
        for what, (key, cap) in caps.items():
            if self.held[(what, key)] >= cap:
                raise SocketRefused(what)
        self.total += 1
        for what, (key, _cap) in caps.items():
            self.held[(what, key)] += 1
        try:
            yield
        finally:
            self.total -= 1
            for what, (key, _cap) in caps.items():
                self.held[(what, key)] -= 1
                if self.held[(what, key)] <= 0:
                    del self.held[(what, key)]

"""`cc142 ami-check`: log in once, list the queues and members the exchange reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from contact_center.calls.ami.connector import AmiConfig
from contact_center.calls.ami.mapping import DEVICE_STATES, member_extension
from contact_center.calls.ami.protocol import AmiConnection


@dataclass
class MemberView:
    queue: str
    name: str
    interface: str
    extension: str | None
    paused: bool
    reason: str | None
    device_state: str | None


@dataclass
class QueueView:
    name: str
    strategy: str | None
    waiting: int
    in_filter: bool
    members: list[MemberView] = field(default_factory=list)


@dataclass
class CheckReport:
    peer: str
    banner: str
    queues: list[QueueView]

    def as_dict(self) -> dict[str, object]:
        return {
            "peer": self.peer,
            "asterisk": self.banner,
            "queues": [
                {"name": q.name, "strategy": q.strategy, "waiting": q.waiting, "in_filter": q.in_filter,
                 "members": [m.__dict__ for m in q.members]}
                for q in self.queues
            ],
        }


async def check(config: AmiConfig) -> CheckReport:
    """Connect, log in (no events), QueueStatus, log off. Raises AmiError with a
    one-line reason (cannot connect, refused login, no answer in time)."""
    conn = await AmiConnection.open(config.host, config.port, timeout=config.connect_timeout)
    try:
        await conn.login(config.username, config.secret, events=False, timeout=config.connect_timeout)
        listing = await conn.action_list("QueueStatus", timeout=config.action_timeout)
    finally:
        await conn.logoff(timeout=1.0)
    queues: dict[str, QueueView] = {}

    def queue(name: str) -> QueueView:
        if name not in queues:
            queues[name] = QueueView(name, None, 0, not config.queues or name.casefold() in config.queues)
        return queues[name]

    for item in listing.items:
        name = item.get("Queue") or ""
        if item.event == "QueueParams":
            queue(name).strategy = item.get("Strategy")
        elif item.event == "QueueMember":
            interface = item.get("Location") or item.get("Interface") or ""
            member = item.get("Name") or item.get("MemberName") or interface
            paused = (item.get("Paused") or "").strip() == "1"
            queue(name).members.append(MemberView(
                queue=name, name=member, interface=interface,
                extension=member_extension(interface, member), paused=paused,
                reason=(item.get("PausedReason") or None) if paused else None,
                device_state=DEVICE_STATES.get((item.get("Status") or "").strip()),
            ))
        elif item.event == "QueueEntry":
            queue(name).waiting += 1
    assert conn.banner is not None
    return CheckReport(config.peer, conn.banner.text, sorted(queues.values(), key=lambda q: q.name))

"""Agent presence: the console's own status (available, paused with a reason, offline)
and the live state supervisors see, merged with what the exchange says
(on_call, wrap_up: contact_center/accounts/agent_states.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.accounts.agent_states import AgentEventIn, event_id_for, live_states, record_agent_events
from contact_center.db.models import PauseReason, User, UserSkill
from contact_center.db.models.agents import AGENT_STATES
from contact_center.db.models.users import AGENT_STATUSES
from contact_center.events import agent_status, chat_routing, publish

STATUS_LABELS = {"available": "Hazırdır", "on_call": "Danışır", "wrap_up": "Yekunlaşdırır",
                 "paused": "Fasilədədir", "offline": "Oflayn"}
# Before migration 0010 the console offered busy and break: both are pauses now.
LEGACY_STATUSES = {"busy": ("paused", "other_work"), "break": ("paused", "break")}


def agent_key(user_id: int, extension: str | None) -> str:
    """The agent-state key of a console user: the extension (what the exchange knows)."""
    return extension or f"user:{user_id}"


@dataclass(frozen=True, slots=True)
class AgentPresence:
    id: int
    username: str
    full_name: str
    role: str
    extension: str | None
    status: str  # the live state: available, on_call, wrap_up, paused, offline
    since: datetime | None
    reason: str | None = None  # paused: the reason's label

    @property
    def status_label(self) -> str:
        label = STATUS_LABELS.get(self.status, self.status)
        return f"{label}: {self.reason}" if self.reason else label

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def seconds_in_state(self, now: datetime) -> int | None:
        return None if self.since is None else max(0, int((now - self.since).total_seconds()))


async def pause_reasons(session: AsyncSession, *, active_only: bool = True) -> dict[str, str]:
    """code -> label, in the admins' order."""
    query = select(PauseReason.code, PauseReason.label).order_by(PauseReason.sort_order, PauseReason.code)
    if active_only:
        query = query.where(PauseReason.active.is_(True))
    return {code: label for code, label in await session.execute(query)}


async def my_pause_reason(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(select(User.pause_reason).where(User.id == user_id, User.status == "paused"))


async def set_status(
    session: AsyncSession, user_id: int, status: str, *, reason: str | None = None, now: datetime | None = None,
    wrap_up_seconds: int = 30,
) -> bool:
    """Change a user's console status (publishes `agent.status` to supervisors) and feed
    the agent states: available = signed in and not paused, paused = with `reason`
    (a pause_reasons code), offline = signed out. False if nothing changed."""
    status, reason = LEGACY_STATUSES.get(status, (status, reason))
    if status not in AGENT_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if status == "paused" and not reason:
        reason = "other_work"
    if status != "paused":
        reason = None
    now = now or datetime.now(UTC)
    row = (
        await session.execute(
            update(User)
            .where(User.id == user_id, (User.status != status) | User.pause_reason.is_distinct_from(reason))
            .values(status=status, pause_reason=reason, status_changed_at=now)
            .returning(User.username, User.extension)
        )
    ).one_or_none()
    if row is None:
        return False
    key = agent_key(user_id, row.extension)
    kinds = {"available": ("console_on", "unpause"), "paused": ("console_on", "pause"),
             "offline": ("console_off", "unpause")}[status]
    await record_agent_events(session, [
        AgentEventIn(event_id_for("console", user_id, kind, now.isoformat()), key, kind, now, "console",
                     reason=reason if kind == "pause" else None)
        for kind in kinds
    ], wrap_up_seconds=wrap_up_seconds, now=now)
    await publish(session, agent_status(user_id, row.username, row.extension, status))
    if await session.scalar(select(UserSkill.user_id).where(UserSkill.user_id == user_id).limit(1)) is not None:
        # A skilled agent came or went: waiting chats of their directions may show to others now.
        await publish(session, chat_routing("availability"))
    return True


async def presence(session: AsyncSession, now: datetime | None = None) -> list[AgentPresence]:
    """Every active console user who takes calls or chats (agents and supervisors), in
    their live state (the exchange's on_call/wrap_up win over the console's status)."""
    rows = (await session.execute(
        select(User.id, User.username, User.full_name, User.role, User.extension, User.status,
               User.status_changed_at, User.pause_reason)
        .where(User.active.is_(True), User.role.in_(("agent", "supervisor")))
    )).all()
    live = await live_states(session, now)
    labels = await pause_reasons(session, active_only=False)
    out: list[AgentPresence] = []
    for r in rows:
        state = live.get(agent_key(r.id, r.extension))
        if state is not None:
            status, since, reason = state.state, state.since, state.reason
        else:
            status, since, reason = r.status, r.status_changed_at, r.pause_reason
        out.append(AgentPresence(r.id, r.username, r.full_name, r.role, r.extension, status, since,
                                 labels.get(reason, reason) if status == "paused" and reason else None))
    order = {code: i for i, code in enumerate(AGENT_STATES)}
    out.sort(key=lambda p: (order.get(p.status, 99), p.extension is None, p.extension or "", p.username))
    return out

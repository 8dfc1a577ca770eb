"""Agent presence: available, busy, on a break, offline; shown to supervisors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import User
from contact_center.db.models.users import AGENT_STATUSES
from contact_center.events import agent_status, publish

_STATUS_ORDER = case({code: i for i, code in enumerate(AGENT_STATUSES)}, value=User.status, else_=99)
STATUS_LABELS = {"available": "Hazırdır", "busy": "Məşğuldur", "break": "Fasilədədir", "offline": "Oflayn"}


@dataclass(frozen=True, slots=True)
class AgentPresence:
    id: int
    username: str
    full_name: str
    role: str
    extension: str | None
    status: str
    since: datetime | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


async def set_status(session: AsyncSession, user_id: int, status: str, *, now: datetime | None = None) -> bool:
    """Change a user's status (publishes `agent.status` to supervisors); False if unknown."""
    if status not in AGENT_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    now = now or datetime.now(UTC)
    row = (
        await session.execute(
            update(User)
            .where(User.id == user_id, User.status != status)
            .values(status=status, status_changed_at=now)
            .returning(User.username, User.extension)
        )
    ).one_or_none()
    if row is None:
        return False
    await publish(session, agent_status(user_id, row.username, row.extension, status))
    return True


async def presence(session: AsyncSession) -> list[AgentPresence]:
    """Every active console user who takes calls or chats (agents and supervisors)."""
    rows = await session.execute(
        select(User.id, User.username, User.full_name, User.role, User.extension, User.status,
               User.status_changed_at)
        .where(User.active.is_(True), User.role.in_(("agent", "supervisor")))
        .order_by(_STATUS_ORDER, User.extension.nulls_last(), User.username)
    )
    return [AgentPresence(*r) for r in rows]

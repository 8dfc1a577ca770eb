"""Chat routing by skill (issue 16): which waiting chat each agent sees.

The inbox stays a pull model (agents claim); routing only decides who sees a
pending chat in the queue, and may therefore claim it. The rule, evaluated
by the server for the listing and for the claim alike:

- supervisors and admins see every waiting chat (with a marker of whom it is
  routed to while it is);
- urgent chats, and chats without a direction: everyone, at once;
- a chat with direction D is *routed* to the available users with skill D
  (`user_skills`, users.status = "available") until CHAT_ROUTING_FALLBACK_SECONDS
  after it entered the queue (the hand-off, or the last release / transfer to a
  direction: `routed_at`); after that, everyone;
- when nobody with skill D is available right now, everyone sees it at once:
  citizens must not wait out the fallback for nobody.

Live: the listing says when the next routed chat opens up to everyone
(`refresh_in`), and the inbox page re-reads itself at that moment (time is
the same for every backend process, so no timer or leader is needed); a
skilled agent's status change or a skills edit publishes `chat.routing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models import Conversation, User, UserSkill

AVAILABLE = "available"


@dataclass(frozen=True)
class Route:
    """A pending chat's routing for one viewer."""

    visible: bool
    # While routed: the direction whose skilled agents alone see it, and when everyone will.
    routed_to: str | None = None
    open_at: datetime | None = None


@dataclass(frozen=True)
class Router:
    """The rule's inputs, read once per listing or claim."""

    fallback: timedelta
    supervises: bool
    available: bool  # the viewer's own console status
    skills: frozenset[str]
    covered: frozenset[str]  # directions some available user serves right now
    now: datetime

    def route(self, conv: Conversation) -> Route:
        if conv.status != "pending" or conv.urgent or not conv.direction:
            return Route(True)
        start = conv.routed_at or conv.handoff_at or conv.created_at
        open_at = start + self.fallback
        if self.now >= open_at or conv.direction not in self.covered:
            return Route(True)
        mine = self.available and conv.direction in self.skills
        return Route(self.supervises or mine, conv.direction, open_at)


async def router(session: AsyncSession, settings: Settings, *, user_id: int, supervises: bool,
                 now: datetime) -> Router:
    status = await session.scalar(select(User.status).where(User.id == user_id))
    skills = frozenset(await session.scalars(select(UserSkill.direction).where(UserSkill.user_id == user_id)))
    covered = frozenset(await session.scalars(
        select(UserSkill.direction).distinct()
        .join(User, User.id == UserSkill.user_id)
        .where(User.active.is_(True), User.status == AVAILABLE)
    ))
    return Router(timedelta(seconds=settings.chat_routing_fallback_seconds), supervises, status == AVAILABLE,
                  skills, covered, now)


@dataclass
class RoutedQueue:
    """The pending chats a viewer sees, their routes, and when to look again."""

    conversations: list[Conversation]
    routes: dict[int, Route] = field(default_factory=dict)
    refresh_in: float | None = None  # seconds until a routed chat opens up to everyone


def routed_queue(r: Router, pending: list[Conversation], *, limit: int) -> RoutedQueue:
    out = RoutedQueue([])
    soonest: datetime | None = None
    for conv in pending:
        route = r.route(conv)
        if route.open_at is not None:
            soonest = route.open_at if soonest is None else min(soonest, route.open_at)
        if route.visible and len(out.conversations) < limit:
            out.conversations.append(conv)
            out.routes[conv.id] = route
    if soonest is not None:
        out.refresh_in = max((soonest - r.now).total_seconds(), 0.0)
    return out

"""Agents' skills: the service directions a console user serves (issue 16).

Admins edit them on the user form; the chat routing (contact_center/chat/routing.py)
shows a waiting chat with direction D first to the available users with skill D.
A change is audited as `user_changed` with the skills before and after, in the
change's transaction, and every inbox hears `chat.routing` (who sees which
waiting chat may change at once)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center import audit
from contact_center.accounts.users import UserInputError
from contact_center.audit import SYSTEM, Actor
from contact_center.db.models import Direction, User, UserSkill
from contact_center.events import chat_routing, publish


async def skills_of(session: AsyncSession, user_id: int) -> list[str]:
    """The user's directions (codes, sorted)."""
    return sorted(await session.scalars(select(UserSkill.direction).where(UserSkill.user_id == user_id)))


async def skills_by_user(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(set(user_ids))
    out: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        rows = await session.execute(select(UserSkill.user_id, UserSkill.direction)
                                     .where(UserSkill.user_id.in_(ids)).order_by(UserSkill.direction))
        for uid, code in rows:
            out[uid].append(code)
    return out


async def set_skills(
    session: AsyncSession, user_id: int, directions: Iterable[str], *, actor: Actor = SYSTEM,
    address: str | None = None,
) -> list[str] | None:
    """Replace the user's skills; None when there is no such user. A direction must
    exist; a new one must be active (an inactive one already held may stay)."""
    if await session.get(User, user_id, with_for_update=True) is None:
        return None
    wanted = sorted({d.strip() for d in directions if d and d.strip()})
    before = await skills_of(session, user_id)
    known = {code: active for code, active in await session.execute(
        select(Direction.code, Direction.active).where(Direction.code.in_(wanted)))} if wanted else {}
    bad = [d for d in wanted if d not in known or (not known[d] and d not in before)]
    if bad:
        raise UserInputError({"skills": "Naməlum və ya deaktiv istiqamət: " + ", ".join(bad[:5])[:200]})
    if wanted == before:
        return before
    await session.execute(delete(UserSkill).where(UserSkill.user_id == user_id))
    session.add_all(UserSkill(user_id=user_id, direction=d) for d in wanted)
    await session.flush()
    await audit.record(session, actor, "user_changed", object_type="user", object_id=user_id,
                       details={"changed": {"skills": {"before": before, "after": wanted}}}, address=address)
    await publish(session, chat_routing("skills"))
    return wanted

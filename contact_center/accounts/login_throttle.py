"""Sign-in throttling that an anonymous client cannot turn against somebody else.

Failures are counted, successes never are (60 agents behind one office NAT
sign in at a shift change without a single refusal). Three rules, each
answering 429 with Retry-After before the password is even checked:

- per address: more than `login_failures_per_address` failures from one
  client address within 5 minutes refuse that address for the rest of the
  window (a password spray over many names);
- per (name, address): after `login_max_failures` failures of one name from
  one address, that pair waits a growing delay after each further failure
  (15 s, 30 s, 1 min, ... up to `login_lock_minutes`); the real user at
  another address never notices;
- per name: a name is locked for `login_lock_minutes` only when its failures
  within that time come from at least `login_lock_addresses` different
  addresses (a distributed guess); an admin can unlock it at once.

Every rule works on a keyed hash of the name *as typed* (`name_key`), never
on whether it exists: unknown names are counted, delayed and locked exactly
like real ones, so the answers tell nobody which names exist, and the tables
never hold a typed name (typos there are often passwords).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models import LoginFailure, LoginLock

ADDRESS_WINDOW = timedelta(minutes=5)
# A pair's failures older than this are forgotten (a success forgets them at once).
PAIR_WINDOW = timedelta(hours=1)
FIRST_DELAY = timedelta(seconds=15)
# Failures older than this are of no rule's concern any more.
KEEP = timedelta(days=1)
# Without CC142_PSEUDONYM_KEY the names are still hashed (not keyed): set the key in production.
_FALLBACK_KEY = "cc142-login-names"


def name_key(username: str, key: str) -> str:
    """`nm:` + 32 hex digits: a keyed hash of a sign-in name as typed (case-folded)."""
    digest = hmac.new((key or _FALLBACK_KEY).encode(), f"login:{username.strip().lower()}".encode(), hashlib.sha256)
    return "nm:" + digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str  # "address_limit" | "locked" | "throttled"
    until: datetime


def _pair_delay(failures: int, settings: Settings) -> timedelta:
    steps = failures - settings.login_max_failures
    return min(FIRST_DELAY * (2 ** min(steps, 20)), timedelta(minutes=settings.login_lock_minutes))


async def check(session: AsyncSession, settings: Settings, key: str, address: str, now: datetime) -> Refusal | None:
    """Whether this attempt may be checked at all (the rules above, in that order)."""
    since = now - ADDRESS_WINDOW
    by_address = (
        await session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(
                LoginFailure.address == address, LoginFailure.at > since
            )
        )
    ).one()
    if by_address[0] and by_address[0] >= settings.login_failures_per_address:
        return Refusal("address_limit", by_address[1] + ADDRESS_WINDOW)
    locked_until = (
        await session.execute(select(LoginLock.locked_until).where(LoginLock.name_key == key))
    ).scalar_one_or_none()
    if locked_until is not None and locked_until > now:
        return Refusal("locked", locked_until)
    pair = (
        await session.execute(
            select(func.count(), func.max(LoginFailure.at)).where(
                LoginFailure.name_key == key, LoginFailure.address == address, LoginFailure.at > now - PAIR_WINDOW
            )
        )
    ).one()
    if pair[0] and pair[0] >= settings.login_max_failures:
        until = pair[1] + _pair_delay(pair[0], settings)
        if until > now:
            return Refusal("throttled", until)
    return None


async def record_failure(
    session: AsyncSession, settings: Settings, key: str, address: str, now: datetime
) -> datetime | None:
    """Count a failure; returns the lock's end when this failure locked the name."""
    await session.execute(delete(LoginFailure).where(LoginFailure.at < now - KEEP))
    session.add(LoginFailure(name_key=key, address=address[:64], at=now))
    await session.flush()
    window = timedelta(minutes=settings.login_lock_minutes)
    addresses = (
        await session.execute(
            select(func.count(func.distinct(LoginFailure.address))).where(
                LoginFailure.name_key == key, LoginFailure.at > now - window
            )
        )
    ).scalar_one()
    if addresses < settings.login_lock_addresses:
        return None
    until = now + window
    await session.execute(
        insert(LoginLock).values(name_key=key, locked_until=until)
        .on_conflict_do_update(index_elements=[LoginLock.name_key], set_={"locked_until": until})
    )
    # The failures that made the lock fall out of the window as the lock ends:
    # afterwards the name starts afresh without deleting them (they still count per address).
    return until


async def forget_pair(session: AsyncSession, key: str, address: str) -> None:
    """A success from this address: its earlier failures of this name no longer count."""
    await session.execute(delete(LoginFailure).where(LoginFailure.name_key == key, LoginFailure.address == address))


async def unlock_name(session: AsyncSession, key: str) -> bool:
    """Lift a name's lock and forget its failures; True when it was locked."""
    removed = await session.execute(delete(LoginLock).where(LoginLock.name_key == key).returning(LoginLock.name_key))
    await session.execute(delete(LoginFailure).where(LoginFailure.name_key == key))
    return removed.first() is not None

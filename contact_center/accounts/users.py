"""Console accounts: create, change, deactivate, reset passwords (admins, CLI).

Every change is audited here, in the change's transaction (`actor` is the admin,
or the system for the CLI and the first account): `user_created`, `user_changed`
with before/after of role, extension and active, the name of `full_name` when it
changed, and `password_reset` (never the password)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center import audit
from contact_center.accounts.agent_status import set_status
from contact_center.accounts.auth import MIN_PASSWORD_LENGTH, hash_password, unlock
from contact_center.accounts.sessions import close_user_sessions
from contact_center.audit import SYSTEM, Actor
from contact_center.config import Settings
from contact_center.db.models import ExtensionAssignment, User
from contact_center.db.models.users import ROLES
from contact_center.events import publish, user_changed

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_EXTENSION = re.compile(r"^\d{2,10}$")

ROLE_LABELS = {"agent": "Operator", "supervisor": "Supervayzer", "admin": "Administrator"}


class UserInputError(ValueError):
    """Bad account data; `errors` maps a form field to an Azerbaijani message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    username: str
    full_name: str
    role: str
    extension: str | None
    active: bool
    status: str
    status_changed_at: datetime | None
    locked_until: datetime | None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def _row(u: User) -> UserRow:
    # A lapsed lock is no lock (the column keeps the last one's end).
    locked = u.locked_until if u.locked_until and u.locked_until > datetime.now(UTC) else None
    return UserRow(
        u.id, u.username, u.full_name, u.role, u.extension, u.active, u.status,
        u.status_changed_at, locked,
    )


def _audited(u: User) -> dict[str, object]:
    # full_name is listed by name only (a person's name); the rest before/after.
    return {"role": u.role, "extension": u.extension, "active": u.active, "full_name": u.full_name}


def check_password(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Şifrə ən azı {MIN_PASSWORD_LENGTH} simvol olmalıdır."
    if len(password) > 200:
        return "Şifrə 200 simvoldan uzun ola bilməz."
    return None


async def _check_fields(
    session: AsyncSession,
    *,
    user_id: int | None,
    role: str,
    extension: str | None,
    full_name: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = "Rolu seçin: operator, supervayzer və ya administrator."
    if extension is not None:
        if not _EXTENSION.match(extension):
            errors["extension"] = "Daxili nömrə 2-10 rəqəmdən ibarət olmalıdır."
        else:
            taken = (
                await session.execute(
                    select(User.id).where(User.extension == extension, User.id != (user_id or 0))
                )
            ).scalar_one_or_none()
            if taken is not None:
                errors["extension"] = "Bu daxili nömrə artıq başqa istifadəçiyə verilib."
    if not full_name:
        # Citizens see an agent's name, never the username (issue 13): every account has one.
        errors["full_name"] = "Ad və soyadı yazın: vətəndaşlar çatda operatorun adını görür."
    elif len(full_name) > 200:
        errors["full_name"] = "Ad 200 simvoldan uzun ola bilməz."
    return errors


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: str,
    extension: str | None = None,
    full_name: str = "",
    actor: Actor = SYSTEM,
    address: str | None = None,
) -> UserRow:
    username = username.strip().lower()
    extension = (extension or "").strip() or None
    full_name = full_name.strip()
    errors = await _check_fields(session, user_id=None, role=role, extension=extension, full_name=full_name)
    if not _USERNAME.match(username):
        errors["username"] = (
            "İstifadəçi adı 2-64 simvol: kiçik latın hərfləri, rəqəmlər, nöqtə, tire və alt xətt."
        )
    elif (await session.execute(select(User.id).where(User.username == username))).first():
        errors["username"] = "Bu istifadəçi adı artıq mövcuddur."
    if (problem := check_password(password)) is not None:
        errors["password"] = problem
    if errors:
        raise UserInputError(errors)
    user = User(
        username=username,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role,
        extension=extension,
        active=True,
        status="offline",
        failed_logins=0,
    )
    session.add(user)
    await session.flush()
    await audit.record(session, actor, "user_created", object_type="user", object_id=user.id,
                       details={"username": username, "role": role, "extension": extension}, address=address)
    if extension is not None:
        await assign_extension(session, user.id, None, extension)
    return _row(user)


async def update_user(
    session: AsyncSession,
    user_id: int,
    *,
    role: str,
    extension: str | None,
    full_name: str,
    active: bool,
    actor: Actor = SYSTEM,
    address: str | None = None,
) -> UserRow | None:
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        return None
    extension = (extension or "").strip() or None
    full_name = full_name.strip()
    errors = await _check_fields(session, user_id=user_id, role=role, extension=extension, full_name=full_name)
    if errors:
        raise UserInputError(errors)
    before = _audited(user)
    if user.extension != extension:
        await assign_extension(session, user_id, user.extension, extension)
    user.role, user.extension, user.full_name = role, extension, full_name
    if user.active and not active:
        await session.flush()
        await set_status(session, user_id, "offline")  # signed out: the agent states hear it too
        await session.refresh(user)
        await close_user_sessions(session, user_id)
    moved = active and (user.role, user.extension) != (before["role"], before["extension"])
    user.active = active
    await session.flush()
    if moved:
        # Open console sockets re-read who the user is: a moved extension's screen pops stop at once.
        await publish(session, user_changed(user_id))
    details = audit.changes(before, _audited(user), personal=("full_name",))
    if details["changed"] or details.get("personal_fields_changed"):
        await audit.record(session, actor, "user_changed", object_type="user", object_id=user_id,
                           details=details, address=address)
    return _row(user)


# The first holder of an extension owns its history from the start (the exchange's
# events may predate the account).
SINCE_EVER = datetime(1970, 1, 1, tzinfo=UTC)


async def assign_extension(
    session: AsyncSession, user_id: int, old: str | None, new: str | None, *, now: datetime | None = None
) -> None:
    """Keep the user<->extension history (`extension_assignments`): per-agent figures
    follow the person, not the phone."""
    now = now or datetime.now(UTC)
    if old is not None:
        await session.execute(
            update(ExtensionAssignment)
            .where(ExtensionAssignment.extension == old, ExtensionAssignment.user_id == user_id,
                   ExtensionAssignment.valid_to.is_(None))
            .values(valid_to=now))
    if new is not None:
        await session.execute(  # a holder that is no longer a user of it (deleted, changed) lets go
            update(ExtensionAssignment)
            .where(ExtensionAssignment.extension == new, ExtensionAssignment.valid_to.is_(None))
            .values(valid_to=now))
        held = await session.scalar(select(func.count()).select_from(ExtensionAssignment)
                                    .where(ExtensionAssignment.extension == new))
        session.add(ExtensionAssignment(extension=new, user_id=user_id, valid_from=now if held else SINCE_EVER))
        await session.flush()


async def set_password(
    session: AsyncSession, settings: Settings, user_id: int, password: str,
    *, actor: Actor = SYSTEM, address: str | None = None,
) -> bool:
    """Reset a password: also unlocks the account and signs it out everywhere."""
    if (problem := check_password(password)) is not None:
        raise UserInputError({"password": problem})
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        return False
    user.password_hash = hash_password(password)
    await session.flush()
    await unlock(session, settings, user_id)
    await close_user_sessions(session, user_id)
    await session.flush()
    await audit.record(session, actor, "user_changed", object_type="user", object_id=user_id,
                       details={"password_reset": True}, address=address)
    return True


async def get_user(session: AsyncSession, user_id: int) -> UserRow | None:
    user = await session.get(User, user_id)
    return _row(user) if user else None


async def list_users(session: AsyncSession, *, roles: tuple[str, ...] = ROLES, active_only: bool = False) -> list[UserRow]:
    query = select(User).where(User.role.in_(roles)).order_by(User.active.desc(), User.role, User.username)
    if active_only:
        query = query.where(User.active.is_(True))
    return [_row(u) for u in (await session.execute(query)).scalars()]


async def count_users(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(User))).scalar_one()

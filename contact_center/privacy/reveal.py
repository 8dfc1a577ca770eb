"""A supervisor reveals one citizen's number (and name) with a typed reason.

The read and its audit entry (`number_revealed`: the object, the reason and
the number's keyed hash, never the number) share one transaction: no entry,
no number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import null, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.audit import Actor, record
from contact_center.db.models import Call, Callback, CallRegistration
from contact_center.privacy.pseudonym import pseudonym

KINDS = ("call", "callback", "registration")
MIN_REASON = 10
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class Revealed:
    phone: str | None
    name: str | None


class RevealError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_reason(raw: object) -> str:
    reason = " ".join(str(raw or "").split())
    if len(reason) < MIN_REASON:
        raise RevealError("reason", f"Səbəbi yazın (ən azı {MIN_REASON} simvol).")
    return reason[:MAX_REASON]


async def reveal(
    session: AsyncSession, actor: Actor, kind: str, object_id: int, reason: str, *, key: str,
    address: str | None = None,
) -> Revealed:
    """The number and name of one record, audited (PseudonymKeyMissing without a key)."""
    if kind == "call":
        row = (await session.execute(select(Call.caller, null()).where(Call.id == object_id))).one_or_none()
    elif kind == "callback":
        row = (await session.execute(
            select(Callback.phone, Callback.citizen_name).where(Callback.id == object_id))).one_or_none()
    elif kind == "registration":
        row = (await session.execute(
            select(CallRegistration.phone, CallRegistration.citizen_name).where(CallRegistration.id == object_id)
        )).one_or_none()
    else:
        raise RevealError("kind", "Naməlum qeyd növü.")
    if row is None:
        raise RevealError("not_found", "Qeyd tapılmadı.")
    phone, name = row
    await record(session, actor, "number_revealed", object_type=kind, object_id=object_id, address=address,
                 details={"reason": reason, "phone": pseudonym(phone, key) if phone else None})
    return Revealed(phone, name)

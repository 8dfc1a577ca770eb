"""What else happens when the PBX changes calls (every ingest path calls this).

Runs inside the ingest transaction, so its effects commit or roll back with
the events themselves. It receives the Core connection of the hot ingest
path; work that needs the ORM opens `AsyncSession(bind=conn)`, which joins
the same transaction, and only when some call actually needs it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from contact_center.config import Settings
from contact_center.services.pbx_ingest import ChangedCall


async def calls_changed(
    conn: AsyncConnection, settings: Settings, calls: Sequence[ChangedCall]
) -> None:
    if not calls:
        return

"""The audit trail's core: append-only in the database, written in the change's
own transaction, no personal values, one controlled purge."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from contact_center import audit
from contact_center.audit import SYSTEM, Actor
from contact_center.db.driver import driver_transaction
from contact_center.db.models import AuditEntry, User
from contact_center.privacy.pseudonym import PseudonymKeyMissing, pseudonym


async def _entries(sessionmaker) -> list[AuditEntry]:
    async with sessionmaker() as s:
        return list((await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())


async def test_an_entry_holds_actor_object_address_and_details(db, sessionmaker):
    async with sessionmaker.begin() as s:
        await audit.record(s, Actor.user(7, "aysel"), "user_changed", object_type="user", object_id=9,
                           details={"changed": {"role": {"before": "agent", "after": "supervisor"}}},
                           address="10.1.2.3")
    [entry] = await _entries(sessionmaker)
    assert (entry.actor_kind, entry.actor_id, entry.actor_name) == ("user", 7, "aysel")
    assert (entry.action, entry.object_type, entry.object_id, entry.address) == ("user_changed", "user", "9", "10.1.2.3")
    assert entry.details["changed"]["role"] == {"before": "agent", "after": "supervisor"}
    assert entry.at.tzinfo is not None


async def test_a_nul_in_what_was_typed_does_not_lose_the_entry(db, sessionmaker):
    # PostgreSQL's text and jsonb cannot hold NUL (a fuzzer's API filter carried one).
    async with sessionmaker.begin() as s:
        await audit.record(s, SYSTEM, "api_read", object_type="calls", object_id="a\x00b",
                           details={"filters": {"agent": "10\x0001", "q\x00": ["x\x00"]}})
    [entry] = await _entries(sessionmaker)
    assert entry.object_id == "a\ufffdb"
    assert entry.details["filters"] == {"agent": "10\ufffd01", "q\ufffd": ["x\ufffd"]}


async def test_an_unknown_action_is_refused(db, sessionmaker):
    async with sessionmaker.begin() as s:
        with pytest.raises(ValueError, match="unknown audit action"):
            await audit.record(s, SYSTEM, "user_deleted_everything")


async def test_the_change_and_its_trace_commit_together(db, sessionmaker):
    with pytest.raises(RuntimeError):
        async with sessionmaker.begin() as s:
            s.add(User(username="kamran", full_name="Kamran", password_hash="x", role="agent"))
            await audit.record(s, SYSTEM, "user_created", object_type="user", object_id="kamran")
            raise RuntimeError("the change fails after its entry was written")
    assert await _entries(sessionmaker) == []
    # and an entry that cannot be written takes the change down with it
    with pytest.raises(DBAPIError):
        async with sessionmaker.begin() as s:
            s.add(User(username="kamran", full_name="Kamran", password_hash="x", role="agent"))
            await s.flush()
            await s.execute(text("INSERT INTO audit_log (actor_kind, actor_name, action) VALUES ('robot', 'x', 'y')"))
    async with sessionmaker() as s:
        assert (await s.scalars(select(User).where(User.username == "kamran"))).first() is None


async def test_the_driver_connection_path_writes_the_same_entry(db, engine, sessionmaker):
    async with driver_transaction(engine) as conn:
        await audit.record(conn, audit.API_TOKEN, "api_read", object_type="calls",
                           details={"query": {"from": "2026-01-01"}}, address="127.0.0.1")
    [entry] = await _entries(sessionmaker)
    assert (entry.actor_kind, entry.actor_name, entry.details) == ("api-token", "api-token", {"query": {"from": "2026-01-01"}})


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor_name = 'somebody else'",
    "UPDATE audit_log SET details = '{}'::jsonb WHERE action = 'export'",
    "DELETE FROM audit_log",
    "DELETE FROM audit_log WHERE action = 'export'",
])
async def test_application_code_cannot_update_or_delete_entries(db, sessionmaker, statement):
    await audit.record_read(sessionmaker, Actor.user(3, "boss"), "export", object_type="report",
                            details={"month": "2026-10", "format": "xlsx"})
    with pytest.raises(DBAPIError, match="append-only"):
        async with sessionmaker.begin() as s:
            await s.execute(text(statement))
    [entry] = await _entries(sessionmaker)
    assert entry.actor_name == "boss" and entry.details == {"month": "2026-10", "format": "xlsx"}


async def test_only_the_retention_purge_removes_old_entries(db, sessionmaker):
    async with sessionmaker.begin() as s:
        await audit.record(s, SYSTEM, "retention_run", details={"n": 1})
        await audit.record(s, SYSTEM, "retention_run", details={"n": 2})
    # an old entry: written with an old clock (the trigger only guards UPDATE and DELETE)
    async with sessionmaker.begin() as s:
        await s.execute(text("INSERT INTO audit_log (at, actor_kind, actor_name, action, details) "
                             "VALUES (now() - interval '2000 days', 'system', 'system', 'export', '{\"old\": true}')"))
    async with sessionmaker.begin() as s:
        assert await audit.purge(s, 1825) == 1
    assert sorted(e.details.get("n", 0) for e in await _entries(sessionmaker)) == [1, 2]
    # the purge's permission ends with it: a plain DELETE afterwards is refused again
    with pytest.raises(DBAPIError, match="append-only"):
        async with sessionmaker.begin() as s:
            await audit.purge(s, 1825)
            await s.execute(text("DELETE FROM audit_log"))
    with pytest.raises(DBAPIError, match="keep_days"):
        async with sessionmaker.begin() as s:
            await audit.purge(s, 0)


def test_changes_keep_only_names_of_personal_fields():
    before = {"direction": "employment", "phone": "+994501234567", "note": "zəng etdi", "outcome": None}
    after = {"direction": "disability", "phone": "+994551234567", "note": "zəng etdi", "outcome": "solved"}
    details = audit.changes(before, after, personal=("phone", "note", "citizen_name"))
    assert details == {
        "changed": {"direction": {"before": "employment", "after": "disability"},
                    "outcome": {"before": None, "after": "solved"}},
        "personal_fields_changed": ["phone"],
    }
    assert "994" not in repr(details)


def test_a_number_is_pseudonymised_with_the_key_and_normalised_first():
    a = pseudonym("050 123 45 67", "k1")
    assert a == pseudonym("+994501234567", "k1") and a.startswith("ph:")
    assert a != pseudonym("+994501234567", "k2") and "501234567" not in a
    with pytest.raises(PseudonymKeyMissing):
        pseudonym("+994501234567", "")

"""chatbot/manage.py's endpoints for Rasa replicas: the tracker database next to
the backend's (a Unix socket directory as the host for the embedded server),
the Redis lock store, and refusing replicas that would not share a memory."""

from __future__ import annotations

import pytest
import yaml

from tests.plugins.rasa_server import manage


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql+asyncpg://postgres@/cc142?host=/tmp/x/pgdata",
     manage.TrackerDatabase("/tmp/x/pgdata", None, "cc142_rasa", "postgres", "")),
    ("postgresql://cc142:s%40cret@postgres:5432/cc142",
     manage.TrackerDatabase("postgres", 5432, "cc142_rasa", "cc142", "s@cret")),
    ("postgres://u@db.internal/contact",
     manage.TrackerDatabase("db.internal", None, "contact_rasa", "u", "")),
])
def test_the_tracker_database_sits_next_to_the_backends(url, expected):
    assert manage.tracker_database(url) == expected


def test_a_database_url_that_is_not_postgresql_is_refused():
    with pytest.raises(manage.BotError, match="postgresql"):
        manage.tracker_database("mysql://u@h/db")


def test_the_endpoints_name_rasas_stores_and_the_socket_directory():
    tracker = manage.tracker_database("postgresql+asyncpg://postgres@/cc142?host=/run/pg")
    lock = manage.lock_store("redis://:pw@127.0.0.1:6380/2", tracker)
    endpoints = yaml.safe_load(manage.endpoints_yaml(tracker, lock))
    assert endpoints["action_endpoint"] == {"url": "${ACTIONS_URL}"}
    assert endpoints["tracker_store"] == {"type": "SQL", "dialect": "postgresql", "url": "/run/pg",
                                          "db": "cc142_rasa", "username": "postgres"}
    store = endpoints["lock_store"]
    assert store["type"] == "cc142_locks.AtomicRedisLockStore"
    assert (store["url"], store["port"], store["db"], store["password"]) == ("127.0.0.1", 6380, 2, "pw")
    assert store["key_prefix"].isalnum() and store["key_prefix"].startswith("cc142rasa")
    # another database (another deployment, another test session): other locks in a shared Redis
    other = manage.lock_store("redis://127.0.0.1:6380/2", manage.tracker_database("postgresql://u@/cc142?host=/b"))
    assert other.key_prefix != store["key_prefix"]
    assert yaml.safe_load(manage.endpoints_yaml(None, None)) == {"action_endpoint": {"url": "${ACTIONS_URL}"}}


def test_the_generated_endpoints_are_private(tmp_path):
    tracker = manage.tracker_database("postgresql://cc142:secret@postgres:5432/cc142")
    path = manage.write_endpoints(tmp_path / "run", tracker, None)
    assert path.stat().st_mode & 0o077 == 0  # they may hold the database password
    assert yaml.safe_load(path.read_text())["tracker_store"]["password"] == "secret"


def test_replicas_without_a_shared_tracker_and_lock_store_are_refused():
    with pytest.raises(manage.BotError, match="DATABASE_URL .* REDIS_URL"):
        manage.start(replicas=2, database_url="postgresql://u@/db?host=/x", redis_url=None)
    with pytest.raises(manage.BotError, match="at least 1"):
        manage.start(replicas=0)

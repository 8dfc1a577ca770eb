"""Rasa's Redis lock store with atomic ticket updates, for several Rasa replicas.

Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket lock as one JSON
value and updates it by read-modify-write (``issue_ticket``, ``update_lock``,
``finish_serving``, ``cleanup``) without any atomicity. Two replicas given the
same conversation at the same moment both read "no lock", both write a lock
holding ticket 0, and both handle their message at once: the tracker gets two
interleaved turns (tests/scale/test_rasa_replicas.py caught exactly that).

Here each of those read-modify-writes holds a short Redis mutex per
conversation (redis-py's ``Lock``: ``SET NX PX`` and a compare-and-delete
script), so tickets are issued one at a time across replicas. Waiting for the
ticket (``_acquire_lock``) stays Rasa's own. Configured in endpoints as
``lock_store: {type: cc142_locks.AtomicRedisLockStore, url, port, db,
key_prefix, password}``; Rasa runs with ``chatbot/`` as its working directory
(importable from there), so this module imports as ``cc142_locks``. It is not part
of the trained model (not in manage.py's hashed paths): only of the runtime.
"""

from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

# A ticket update takes a few milliseconds; the mutex expires on its own if a
# replica dies holding it.
MUTEX_SECONDS = 5.0
MUTEX_WAIT_SECONDS = 10.0


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[Any] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store given by module path
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _mutex(self, conversation_id: Text) -> Any:
        return self.red.lock(
            f"{self.key_prefix}mutex:{conversation_id}",
            timeout=MUTEX_SECONDS,
            blocking_timeout=MUTEX_WAIT_SECONDS,
        )

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            with self._mutex(conversation_id):
                lock = self.get_or_create_lock(conversation_id)
                ticket = lock.issue_ticket(lock_lifetime)
                self.save_lock(lock)
                return ticket
        except Exception as e:  # Rasa's contract: a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{e}")

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove this ticket; delete the lock if no one else waits (one atomic step)."""
        with self._mutex(conversation_id):
            lock = self.get_lock(conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self.save_lock(lock)
            else:
                self.delete_lock(conversation_id)

"""func_lock's named mutexes, the dialplan functions ``LOCK``, ``TRYLOCK`` and ``UNLOCK``.

As funcs/func_lock.c keeps them (Asterisk 22): one table of names for the whole Asterisk; a
lock is owned by a channel; taking it again on the same channel only counts up (``UNLOCK``
counts down, the lock is free at zero); ``TRYLOCK`` never waits; ``LOCK`` waits up to
``wait`` seconds (func_lock.c: always 3); ``UNLOCK`` answers ``0`` when the channel does not
own that lock. A channel's locks are freed when the channel is destroyed (the datastore's
destructor), which for an AGI call is when the call ends: a caller hanging up in an AGI
session does not free them while the script still runs on the dead channel.

Owners are compared by identity (``is``): the fake's ``Channel`` of one call. The real
``LOCK`` has a race this fake leaves out on purpose (a waiter woken by the broker thread takes
the lock without checking its owner again, so it can take a lock that a ``TRYLOCK`` just
got); the AGI server only uses ``TRYLOCK``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class _Held:
    owner: object
    count: int


class NamedLocks:
    """The lock table of one FakeAsterisk (thread-safe)."""

    def __init__(self, wait: float = 3.0) -> None:
        self.wait = wait  # LOCK's bound
        self._changed = threading.Condition()
        self._held: dict[str, _Held] = {}

    def acquire(self, name: str, owner: object, *, block: bool) -> bool:
        """``TRYLOCK`` (``block=False``) or ``LOCK``: True when ``owner`` holds the lock."""
        with self._changed:
            held = self._held.get(name)
            if held is not None and held.owner is owner:
                held.count += 1
                return True
            if block:
                self._changed.wait_for(lambda: name not in self._held, self.wait)
            if name in self._held:
                return False
            self._held[name] = _Held(owner, 1)
            return True

    def release(self, name: str, owner: object) -> bool:
        """``UNLOCK``: False when ``owner`` does not hold the lock."""
        with self._changed:
            held = self._held.get(name)
            if held is None or held.owner is not owner:
                return False
            held.count -= 1
            if held.count == 0:
                del self._held[name]
                self._changed.notify_all()
            return True

    def destroyed(self, owner: object) -> list[str]:
        """The channel is gone: free every lock it held; returns their names."""
        with self._changed:
            names = [name for name, held in self._held.items() if held.owner is owner]
            for name in names:
                del self._held[name]
            if names:
                self._changed.notify_all()
            return names

    def owner(self, name: str) -> object | None:
        with self._changed:
            held = self._held.get(name)
            return None if held is None else held.owner

    def names(self) -> list[str]:
        """The locks held right now, sorted."""
        with self._changed:
            return sorted(self._held)

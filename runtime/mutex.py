"""Asterisk's own named mutexes (``func_lock.so``), taken on a channel the door holds.

One Asterisk holds the truth for every AGI server instance in front of it, and AstDB has no
compare-and-set: a read-then-write of AstDB (who holds a phone, how many wrong PINs an agent
has keyed) is made atomic by running it while a channel of this door holds a named lock (the
FastAGI door: the call's own channel; the HTTP door: its lock channel). The lock is taken
with ``${TRYLOCK(<name>)}`` (``1``: this channel got it, ``0``: another channel holds it; it
never waits) and given back with ``${UNLOCK(<name>)}`` (``Asterisk.try_lock``/``unlock``);
Asterisk frees a channel's locks when the channel is destroyed, so a server that dies or
loses its connection while holding one cannot keep it.

Only ``TRYLOCK`` is used, never ``LOCK``: in func_lock.c a ``LOCK`` waiter woken by the broker
thread takes the lock without checking its owner again, so it could take a lock a ``TRYLOCK``
has just got. ``LockPolicy`` retries ``TRYLOCK`` briefly instead. The names and the protocol
are part of the runtime contract (docs/runtime-contract.md): anything else changing those
AstDB keys must take the same locks the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from runtime.errors import CoreError
from runtime.port import Asterisk

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockPolicy:
    """How hard to try for a lock: ``attempts`` TRYLOCKs, ``pause`` seconds apart."""

    attempts: int = 3
    pause: float = 0.05
    sleep: Callable[[float], None] = time.sleep


@contextmanager
def held(port: Asterisk, name: str, policy: LockPolicy) -> Iterator[bool]:
    """Hold lock ``name`` for the block; yields False (holding nothing) if it stayed busy.
    ``LockUnavailable`` when the lock cannot be asked for at all."""
    got = port.try_lock(name)
    for _ in range(policy.attempts - 1):
        if got:
            break
        policy.sleep(policy.pause)
        got = port.try_lock(name)
    if not got:
        logger.info("lock %s is busy", name)
    try:
        yield got
    finally:
        if got:
            _unlock_quietly(port, name)


def _unlock_quietly(port: Asterisk, name: str) -> None:
    """UNLOCK; if the connection is gone, Asterisk frees it with the channel."""
    try:
        if not port.unlock(name):
            logger.warning("UNLOCK(%s): this channel did not hold it", name)
    except CoreError as e:
        logger.warning("UNLOCK(%s) failed (%s): freed with the channel", name, e)

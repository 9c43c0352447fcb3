"""Asterisk's own named mutexes (``func_lock.so``), taken through the call's channel.

One Asterisk holds the truth for every AGI server instance in front of it, and AstDB has no
compare-and-set: a read-then-write of AstDB (who holds a phone, how many wrong PINs an agent
has keyed) is made atomic by running it while this call's channel holds a named lock. The
lock is taken with ``GET FULL VARIABLE ${TRYLOCK(<name>)}`` (``1``: this channel got it,
``0``: another channel holds it; it never waits) and given back with ``${UNLOCK(<name>)}``;
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

from agi.channel import Channel
from agi.errors import CommandError, Hangup, LockUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockPolicy:
    """How hard to try for a lock: ``attempts`` TRYLOCKs, ``pause`` seconds apart."""

    attempts: int = 3
    pause: float = 0.05
    sleep: Callable[[float], None] = time.sleep


def _function(channel: Channel, function: str, name: str) -> str:
    return channel.get_full_variable(f"${{{function}({name})}}")


def try_lock(channel: Channel, name: str) -> bool:
    """One TRYLOCK. Raises LockUnavailable when Asterisk answers neither 1 nor 0."""
    answer = _function(channel, "TRYLOCK", name)
    if answer in ("0", "1"):
        return answer == "1"
    raise LockUnavailable(
        f"TRYLOCK({name}) answered {answer!r}: is func_lock.so loaded, and may "
        "this thread run it (live_dangerously in asterisk.conf)?"
    )


def unlock(channel: Channel, name: str) -> None:
    if _function(channel, "UNLOCK", name) != "1":
        logger.warning("UNLOCK(%s): this channel did not hold it", name)


@contextmanager
def held(channel: Channel, name: str, policy: LockPolicy) -> Iterator[bool]:
    """Hold lock ``name`` for the block; yields False (holding nothing) if it stayed busy."""
    got = try_lock(channel, name)
    for _ in range(policy.attempts - 1):
        if got:
            break
        policy.sleep(policy.pause)
        got = try_lock(channel, name)
    if not got:
        logger.info("lock %s is busy", name)
    try:
        yield got
    finally:
        if got:
            _unlock_quietly(channel, name)


def _unlock_quietly(channel: Channel, name: str) -> None:
    """UNLOCK; if the connection is gone, Asterisk frees it with the channel."""
    try:
        unlock(channel, name)
    except (Hangup, CommandError) as e:
        logger.warning("UNLOCK(%s) failed (%s): freed with the channel", name, e)

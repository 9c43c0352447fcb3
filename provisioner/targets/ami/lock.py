"""The apply lock of an AMI target: an AstDB key holding ``<expiry> <token> <holder>``.

AMI has no compare-and-set, so the lock is written with ``DBPut`` and read back: of two
jobs racing for it, the one whose token is not read back gives up. A lock past its expiry
(a killed job) is taken over with a warning. A long apply refreshes its expiry as it goes.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from provisioner.errors import TargetError
from provisioner.targets.ami.client import Action, AmiClient
from provisioner.targets.ami.errors import AmiError
from provisioner.targets.ami.state import LOCK_KEY, STATE_FAMILY, LockValue

logger = logging.getLogger(__name__)

NOT_FOUND = "Database entry not found"


class AstDbLock:
    def __init__(self, client: AmiClient, ttl: float, clock: Callable[[], float]) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._held: LockValue | None = None
        self._refreshed = 0.0

    def acquire(self, holder: str) -> None:
        now = self._clock()
        current = self._current()
        if current is not None and current.expires > now:
            until = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(current.expires))
            raise TargetError(
                f"{self._client.name} is locked by {current.holder} (until {until}); wait for "
                f"that apply to finish, or delete AstDB key {STATE_FAMILY}/{LOCK_KEY} if it died"
            )
        if current is not None:
            logger.warning(
                "%s: taking over the expired lock of %s", self._client.name, current.holder
            )
        value = LockValue(now + self._ttl, secrets.token_hex(8), holder)
        self._held = value  # from the DBPut on, release() deletes it if it is still ours
        self._put(value)
        confirmed = self._current()
        if confirmed is None or confirmed.token != value.token:
            other = confirmed.holder if confirmed else "someone else"
            raise TargetError(
                f"{self._client.name} was locked by {other} at the same time; try again"
            )
        self._refreshed = now
        logger.info("%s: locked by %s", self._client.name, holder)

    def keep(self) -> None:
        """Push the expiry forward when a third of its lifetime has passed (long applies)."""
        now = self._clock()
        if self._held is None or now - self._refreshed < self._ttl / 3:
            return
        self._held = LockValue(now + self._ttl, self._held.token, self._held.holder)
        self._put(self._held)
        self._refreshed = now

    def release(self) -> None:
        held, self._held = self._held, None
        if held is None:
            return
        try:
            current = self._current()
            if current is not None and current.token == held.token:
                self._client.request(Action("DBDel", (("Family", STATE_FAMILY), ("Key", LOCK_KEY))))
                logger.info("%s: lock released", self._client.name)
        except AmiError as e:
            logger.warning(
                "%s: the lock was not released (%s); it expires by itself", self._client.name, e
            )

    def _current(self) -> LockValue | None:
        get = Action("DBGet", (("Family", STATE_FAMILY), ("Key", LOCK_KEY)))
        reply = self._client.request(get, check=False)
        if not reply.ok and reply.message.startswith(NOT_FOUND):
            return None
        events = self._client.check(reply).events
        return LockValue.decode(events[0].get("Val")) if events else None

    def _put(self, value: LockValue) -> None:
        headers = (("Family", STATE_FAMILY), ("Key", LOCK_KEY), ("Val", value.encode()))
        self._client.request(Action("DBPut", headers))

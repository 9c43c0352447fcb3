"""``AmiTarget``: a live Asterisk reached over AMI, implementing ``provisioner.targets.base``.

One connection per target, opened on first use and reused (after a failure, the next request
opens a new one); reads are pipelined, writes sent one after the other. The target remembers
what it read (objects, record) so that writes, verification and the record cost requests in
proportion to what changed, not to the inventory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from urllib.parse import urlsplit

from provisioner.errors import TargetError
from provisioner.render.objects import (
    MANAGED_FILES,
    PJSIP_FILE,
    ObjectKey,
)
from provisioner.targets.ami import astdb
from provisioner.targets.ami.client import Action, AmiClient, Reply, parse_url
from provisioner.targets.ami.errors import AmiError, AmiProtocolError, AmiWriteError
from provisioner.targets.ami.lock import AstDbLock
from provisioner.targets.ami.members import NOT_DELETED, change_members
from provisioner.targets.ami.protocol import Message, encode_action
from provisioner.targets.ami.reading import Reader, db_tree
from provisioner.targets.ami.record import StoredRecord, parse_tree, record_actions
from provisioner.targets.ami.state import STATE_FAMILY
from provisioner.targets.ami.updates import MAX_ACTIONS, MAX_LINES, file_requests
from provisioner.targets.ami.verify import verify as verify_live
from provisioner.targets.base import (
    RELOAD_MODULES,
    ActualState,
    MemberChange,
    ObjectChange,
    StateRecord,
    by_file,
)

logger = logging.getLogger(__name__)

# the least time a Reload or an UpdateConfig may take: Asterisk reads (and writes) a whole
# file for it; at 10000 agents a reload of res_pjsip takes 3-8 s on a busy 2-core machine
SLOW_TIMEOUT = 300.0


class AmiTarget:
    """A live Asterisk: config over ``GetConfig``/``UpdateConfig``, state in AstDB."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float = 10.0,
        lock_ttl: float = 900.0,
        max_actions: int = MAX_ACTIONS,
        max_lines: int = MAX_LINES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        user, host, port = parse_url(url)
        scheme = urlsplit(url).scheme
        self._name = f"{scheme}://{user}@{host}:{port}"
        self._astdb = scheme == "ami+astdb"  # PJSIP objects in AstDB, not pjsip_gitops.conf
        self._client = AmiClient(host, port, user, secret, timeout=timeout, name=self._name)
        self._lock = AstDbLock(self._client, lock_ttl, clock)
        self._max_actions = max_actions
        self._max_lines = max_lines
        self._reader = Reader(self._client, astdb=self._astdb)
        self._objects = self._reader.objects  # what was read, and then written
        self._leftovers = self._reader.leftovers
        self._stored_record: StoredRecord | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def _slow(self) -> float:
        return max(self._client.timeout, SLOW_TIMEOUT)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> AmiTarget:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- read -----------------------------------------------------------------------------

    def read(self) -> ActualState:
        state = self._reader.read({file: None for file in MANAGED_FILES})
        self._stored_record = self._reader.stored
        return state

    def content_digest(self) -> str | None:
        return None  # Asterisk can only be read (GetConfig), not asked for a digest

    def read_part(self, names: Collection[tuple[str, str]]) -> ActualState:
        state = self._reader.read_part(names)
        self._stored_record = self._reader.stored
        return state

    def _tree(self, reply: Reply) -> tuple[Message, ...]:
        return db_tree(self._client, reply)

    # -- write and reload -------------------------------------------------------------------

    def write(self, changes: Sequence[ObjectChange]) -> None:
        grouped = by_file(changes)
        unknown = sorted(set(grouped) - set(MANAGED_FILES))
        if unknown:
            raise TargetError(f"{self._name}: {', '.join(unknown)} is not a managed file")
        files = [f for f in MANAGED_FILES if f in grouped]
        requests = {f: self._requests(f, grouped[f]) for f in files}  # refused before any write
        written: list[str] = []
        for file in files:
            if self._astdb and file == PJSIP_FILE:
                self._write_db(requests[file], tuple(written))
            else:
                self._write_file(file, requests[file], len(grouped[file]), tuple(written))
            written.append(file)
            self._remember(grouped[file])

    def _write_db(self, requests: list[Action], written: tuple[str, ...]) -> None:
        """One ``DBPut``/``DBDel`` per object, pipelined: each is whole (Asterisk reads the
        key as one value), so a refusal leaves the others written, and says how many."""
        before = f"already written: {', '.join(written)}" if written else "no other file written"
        try:
            replies = self._client.pipeline(requests)
        except AmiError as e:
            raise AmiWriteError(
                f"{e} (while writing PJSIP objects to AstDB; {before})",
                file=PJSIP_FILE,
                written=written,
                partial=True,
            ) from e
        failed = [(a, r) for a, r in zip(requests, replies, strict=True) if not _db_ok(a, r)]
        if failed:
            action, reply = failed[0]
            raise AmiWriteError(
                f"{self._name} refused {len(failed)} of {len(requests)} PJSIP objects in AstDB "
                f"(first: {action.name} {dict(action.headers).get('Family')} "
                f"{dict(action.headers).get('Key')}: {reply.message}); {before}; run plan again",
                file=PJSIP_FILE,
                written=written,
                partial=len(failed) < len(requests),
            )
        logger.info("%s: wrote %d PJSIP objects to AstDB", self._name, len(requests))

    def _requests(self, file: str, changes: list[ObjectChange]) -> list[Action]:
        if self._astdb and file == PJSIP_FILE:
            try:
                requests = [astdb.writes(change) for change in changes]
            except TargetError as e:
                raise TargetError(f"{self._name}: nothing written, {e}") from e
            return self._sendable(file, requests)
        requests = file_requests(
            file,
            changes,
            leftovers=self._leftovers.get(file, ()),
            max_lines=self._max_lines,
            max_actions=self._max_actions,
        )
        return self._sendable(file, requests)

    def _sendable(self, file: str, requests: list[Action]) -> list[Action]:
        try:
            for request in requests:
                encode_action(request.name, "check", request.headers)
        except AmiProtocolError as e:
            raise TargetError(f"{self._name}: nothing written, {file} cannot be sent: {e}") from e
        return requests

    def _write_file(
        self, file: str, requests: list[Action], changes: int, written: tuple[str, ...]
    ) -> None:
        self._leftovers.pop(file, None)
        before = f"already written: {', '.join(written)}" if written else "no other file written"
        for done, request in enumerate(requests):
            self._lock.keep()
            try:
                reply = self._client.request(request, check=False, timeout=self._slow)
            except AmiError as e:
                raise AmiWriteError(
                    f"{e} (while writing {file}: {_progress(done, len(requests))}; {before})",
                    file=file,
                    written=written,
                    partial=True,  # the request may have been applied before the failure
                ) from e
            if not reply.ok:
                raise AmiWriteError(
                    f"{self._name} rejected a change to {file} ({reply.message}); "
                    f"{_progress(done, len(requests))}, {before}; run plan again",
                    file=file,
                    written=written,
                    partial=done > 0,
                )
        logger.info(
            "%s: wrote %d changes to %s in %d requests",
            self._name,
            changes,
            file,
            len(requests),
        )

    def _remember(self, changes: list[ObjectChange]) -> None:
        for change in changes:
            if change.before is not None:
                self._objects.pop(change.before.key, None)
            if change.after is not None:
                self._objects[change.after.key] = change.after

    def reload(self, files: Collection[str]) -> None:
        unknown = sorted(set(files) - set(RELOAD_MODULES))
        if unknown:
            raise TargetError(f"{self._name}: no module to reload for {', '.join(unknown)}")
        if self._astdb and PJSIP_FILE in files:
            logger.info("%s: PJSIP objects in AstDB are live once written: no reload", self._name)
        reloaded = [
            f for f in MANAGED_FILES if f in files and not (self._astdb and f == PJSIP_FILE)
        ]
        modules = [RELOAD_MODULES[f] for f in reloaded]
        actions = [Action("Reload", (("Module", m),)) for m in modules]
        replies = self._client.pipeline(actions, timeout=self._slow)
        for module, reply in zip(modules, replies, strict=True):
            if not reply.ok:
                raise TargetError(f"{self._name} could not reload {module} ({reply.message})")
            logger.info("%s: reloaded %s", self._name, module)

    def verify(self, keys: Collection[ObjectKey]) -> dict[ObjectKey, str]:
        failures = verify_live(self._client, keys, self._objects)
        for key, reason in failures.items():
            logger.warning("%s: %s %s: %s", self._name, key[1], key[2], reason)
        return failures

    # -- live members ------------------------------------------------------------------------

    def change_members(self, changes: Sequence[MemberChange]) -> None:
        change_members(self._client, self._name, changes)

    # -- lock and record ---------------------------------------------------------------------

    @contextmanager
    def lock(self, holder: str) -> Iterator[None]:
        try:  # an acquire stopped after its DBPut (SIGTERM) is released too
            self._lock.acquire(holder)
            yield
        finally:
            self._lock.release()

    def _read_stored(self) -> StoredRecord:
        reply = self._client.request(Action("DBGetTree", (("Family", STATE_FAMILY),)), check=False)
        self._stored_record = parse_tree(self._tree(reply)).stored
        return self._stored_record

    def save_record(self, record: StateRecord) -> None:
        old = self._stored_record
        actions, stored = record_actions(old if old is not None else self._read_stored(), record)
        for reply in self._client.pipeline(actions):
            if not reply.ok and not reply.message.startswith(NOT_DELETED):
                self._client.check(reply)
        self._stored_record = stored
        logger.info(
            "%s: recorded revision %s (%d requests)", self._name, record.revision, len(actions)
        )


def _db_ok(action: Action, reply: Reply) -> bool:
    """A write to AstDB done, or a delete of a key already gone."""
    return reply.ok or (action.name == "DBDel" and reply.message.startswith(NOT_DELETED))


def _progress(done: int, total: int) -> str:
    if done == 0:
        return "nothing in it was changed"
    return f"{done} of its {total} requests were applied, each one whole objects"

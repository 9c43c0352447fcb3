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

from provisioner.errors import TargetError
from provisioner.render.objects import (
    EXTENSIONS_FILE,
    MANAGED_FILES,
    PJSIP_FILE,
    QUEUES_FILE,
    ConfigObject,
    ObjectKey,
)
from provisioner.targets.ami.client import Action, AmiClient, Reply, parse_url
from provisioner.targets.ami.errors import AmiError, AmiProtocolError, AmiWriteError
from provisioner.targets.ami.lock import NOT_FOUND, AstDbLock
from provisioner.targets.ami.members import NOT_DELETED, change_members
from provisioner.targets.ami.protocol import Message, encode_action
from provisioner.targets.ami.record import StoredRecord, StoredState, parse_tree, record_actions
from provisioner.targets.ami.sessions import ROOT_FAMILY, parse_sessions
from provisioner.targets.ami.state import STATE_FAMILY, parse_config, parse_members
from provisioner.targets.ami.updates import MAX_ACTIONS, MAX_LINES, file_requests, is_leftover
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

MAIN_FILES: dict[str, str] = {
    PJSIP_FILE: "pjsip.conf",
    QUEUES_FILE: "queues.conf",
    EXTENSIONS_FILE: "extensions.conf",
}


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
        self._name = f"ami://{user}@{host}:{port}"
        self._client = AmiClient(host, port, user, secret, timeout=timeout, name=self._name)
        self._lock = AstDbLock(self._client, lock_ttl, clock)
        self._max_actions = max_actions
        self._max_lines = max_lines
        self._objects: dict[ObjectKey, ConfigObject] = {}
        self._leftovers: dict[str, list[str]] = {}
        self._stored_record: StoredRecord | None = None

    @property
    def name(self) -> str:
        return self._name

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
        actions = [Action("GetConfig", (("Filename", f),)) for f in MANAGED_FILES]
        # one tree for the state record and the agent sessions (docs/runtime-contract.md)
        actions.append(Action("DBGetTree", (("Family", ROOT_FAMILY),)))
        actions.append(Action("QueueStatus"))
        replies = self._client.pipeline(actions)
        objects: list[ConfigObject] = []
        for file, reply in zip(MANAGED_FILES, replies, strict=False):
            objects.extend(self._file_objects(file, self._config_reply(file, reply)))
        tree = self._tree(replies[len(MANAGED_FILES)])
        stored = parse_tree(tree)
        sessions = parse_sessions(tree)
        queues = {o.name for o in objects if o.file == QUEUES_FILE}
        members = parse_members(self._client.check(replies[-1]).events, queues)
        self._objects = {o.key: o for o in objects}
        self._stored_record = stored.stored
        logger.info(
            "%s: read %d objects, %d live members, %d agent sessions",
            self._name,
            len(objects),
            len(members),
            len(sessions),
        )
        return ActualState(tuple(objects), stored.record, tuple(members), sessions)

    def _file_objects(self, file: str, reply: Reply) -> list[ConfigObject]:
        """The categories of one file; leftovers of an interrupted build are set aside."""
        try:
            objects = parse_config(file, reply.response)
        except TargetError as e:
            raise TargetError(f"{self._name}: {e}") from e
        leftovers = [o.name for o in objects if is_leftover(o.name)]
        self._leftovers[file] = leftovers
        if leftovers:
            logger.warning(
                "%s: %s holds %d leftovers of an interrupted apply (e.g. [%s]); the next "
                "write to it removes them",
                self._name,
                file,
                len(leftovers),
                leftovers[0],
            )
        return [o for o in objects if not is_leftover(o.name)]

    def _config_reply(self, file: str, reply: Reply) -> Reply:
        if reply.ok:
            return reply
        if "not found" in reply.message.lower():
            raise TargetError(
                f"{self._name} has no {file}: create it empty in Asterisk's config directory "
                f"and add '#tryinclude {file}' to {MAIN_FILES[file]}, then run again"
            )
        return self._client.check(reply)

    def _stored(self, reply: Reply) -> StoredState:
        return parse_tree(self._tree(reply))

    def _tree(self, reply: Reply) -> tuple[Message, ...]:
        """The entries of a ``DBGetTree`` reply; none when the family does not exist."""
        if not reply.ok and reply.message.startswith(NOT_FOUND):
            return ()
        return tuple(self._client.check(reply).events)

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
            self._write_file(file, requests[file], len(grouped[file]), tuple(written))
            written.append(file)
            self._remember(grouped[file])

    def _requests(self, file: str, changes: list[ObjectChange]) -> list[Action]:
        requests = file_requests(
            file,
            changes,
            leftovers=self._leftovers.get(file, ()),
            max_lines=self._max_lines,
            max_actions=self._max_actions,
        )
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
                reply = self._client.request(request, check=False)
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
        modules = [RELOAD_MODULES[f] for f in MANAGED_FILES if f in files]
        actions = [Action("Reload", (("Module", m),)) for m in modules]
        for module, reply in zip(modules, self._client.pipeline(actions), strict=True):
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
        self._stored_record = self._stored(reply).stored
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


def _progress(done: int, total: int) -> str:
    if done == 0:
        return "nothing in it was changed"
    return f"{done} of its {total} requests were applied, each one whole objects"

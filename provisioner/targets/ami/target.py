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
from urllib.parse import unquote, urlsplit

from provisioner.errors import TargetError
from provisioner.render.objects import (
    EXTENSIONS_FILE,
    MANAGED_FILES,
    PJSIP_FILE,
    QUEUES_FILE,
    ConfigObject,
    ObjectKey,
)
from provisioner.targets.ami.client import Action, AmiClient, Reply
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

DEFAULT_PORT = 5038
# a file of which more categories than this are to be read again is read whole (see read_part)
NARROW_LIMIT = 16
# the least time a Reload or an UpdateConfig may take: Asterisk reads (and writes) a whole
# file for it; at 10000 agents a reload of res_pjsip takes 3-8 s on a busy 2-core machine
SLOW_TIMEOUT = 300.0
MAIN_FILES: dict[str, str] = {
    PJSIP_FILE: "pjsip.conf",
    QUEUES_FILE: "queues.conf",
    EXTENSIONS_FILE: "extensions.conf",
}


def parse_url(url: str) -> tuple[str, str, int]:
    """``ami://USER@HOST:PORT`` -> (user, host, port); TargetError when malformed."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORT
        password = parts.password
    except ValueError as e:
        raise TargetError(f"an AMI target is not ami://USER@HOST:PORT ({e})") from e
    if password is not None:
        raise TargetError(
            "an AMI target URL carries a secret: use ami://USER@HOST:PORT and give the "
            "secret in the environment"
        )
    if parts.scheme != "ami" or not parts.username or not parts.hostname:
        raise TargetError(f"target {url!r} is not ami://USER@HOST:PORT")
    return unquote(parts.username), parts.hostname, port


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
        return self._read({file: None for file in MANAGED_FILES})

    def content_digest(self) -> str | None:
        return None  # Asterisk can only be read (GetConfig), not asked for a digest

    def read_part(self, names: Collection[tuple[str, str]]) -> ActualState:
        """``GetConfig`` with a ``Category`` for each name (and each leftover met before), or
        of the whole file past ``NARROW_LIMIT`` names: Asterisk parses the whole file for
        each (0.08 s at 10k agents, where the whole answer takes 1.1 s)."""
        wanted: dict[str, set[str]] = {}
        for file, name in names:
            wanted.setdefault(file, set()).add(name.lower())
        for file, leftovers in self._leftovers.items():
            if leftovers:
                wanted.setdefault(file, set()).update(n.lower() for n in leftovers)
        return self._read({f: n if len(n) <= NARROW_LIMIT else None for f, n in wanted.items()})

    def _read(self, files: dict[str, set[str] | None]) -> ActualState:
        """``files``: the categories to read of each file (None: all of them).

        The small answers (the tree of the record and sessions, the queue status, single
        categories) are pipelined; then each whole file is asked for alone and parsed before
        the next: Asterisk closes a session it cannot write to for 100 ms (manager.conf
        ``writetimeout``), and the client parses a whole-file answer in one go once it has it
        (0.3 s for 250000 lines at 10k agents), so nothing may be on its way meanwhile. Each
        answer is dropped once parsed: the parsed headers weigh more than the objects."""
        asked: list[tuple[str, str | None]] = []
        for file in (f for f in MANAGED_FILES if f in files):
            chosen = files[file]
            asked.extend([(file, None)] if chosen is None else [(file, n) for n in sorted(chosen)])
        parts = [(file, name) for file, name in asked if name is not None]
        # one tree for the state record and the agent sessions (docs/runtime-contract.md)
        actions = [Action("DBGetTree", (("Family", ROOT_FAMILY),)), Action("QueueStatus")]
        actions += [_get_config(file, name) for file, name in parts]
        tree_reply, status_reply, *part_replies = self._client.pipeline(actions)
        read: dict[tuple[str, str | None], list[ConfigObject]] = {}
        for (file, name), reply in zip(parts, part_replies, strict=True):
            read[file, name] = self._file_objects(file, self._config_reply(file, reply), name)
        for file in (file for file, name in asked if name is None):
            reply = self._config_reply(
                file, self._client.request(_get_config(file, None), check=False)
            )
            read[file, None] = self._file_objects(file, reply, None)
            del reply
        self._keep(read)
        objects = [o for file, name in asked for o in read[file, name]]
        tree = self._tree(tree_reply)
        stored = parse_tree(tree)
        sessions = parse_sessions(tree)
        queues = {key[2] for key in self._objects if key[0] == QUEUES_FILE}
        members = parse_members(self._client.check(status_reply).events, queues)
        self._stored_record = stored.stored
        logger.info(
            "%s: read %d objects, %d live members, %d agent sessions",
            self._name,
            len(objects),
            len(members),
            len(sessions),
        )
        return ActualState(tuple(objects), stored.record, tuple(members), sessions)

    def _keep(self, read: dict[tuple[str, str | None], list[ConfigObject]]) -> None:
        """Remember what was read: a whole file replaces what was known of it, a category
        what was known under its name."""
        whole = {file for file, name in read if name is None}
        names = {(file, name) for file, name in read if name is not None}
        self._objects = {
            key: obj
            for key, obj in self._objects.items()
            if key[0] not in whole and (key[0], key[2].lower()) not in names
        }
        for found in read.values():
            self._objects.update((o.key, o) for o in found)

    def _file_objects(self, file: str, reply: Reply, name: str | None) -> list[ConfigObject]:
        """The categories of one file (of one name); leftovers of an interrupted build are
        set aside."""
        try:
            objects = parse_config(file, reply.response)
        except TargetError as e:
            raise TargetError(f"{self._name}: {e}") from e
        leftovers = [o.name for o in objects if is_leftover(o.name)]
        if name is None:
            self._leftovers[file] = leftovers
        elif is_leftover(name) and not leftovers:  # gone since the whole file was read
            self._leftovers[file] = [n for n in self._leftovers.get(file, []) if n.lower() != name]
        if leftovers and name is None:
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
        modules = [RELOAD_MODULES[f] for f in MANAGED_FILES if f in files]
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
        change_members(self._client, changes)

    # -- lock and record ---------------------------------------------------------------------

    @contextmanager
    def lock(self, holder: str) -> Iterator[None]:
        self._lock.acquire(holder)
        try:
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


def _get_config(file: str, name: str | None) -> Action:
    headers = (("Filename", file),) if name is None else (("Filename", file), ("Category", name))
    return Action("GetConfig", headers)


def _progress(done: int, total: int) -> str:
    if done == 0:
        return "nothing in it was changed"
    return f"{done} of its {total} requests were applied, each one whole objects"

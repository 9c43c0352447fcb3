"""Reading a live Asterisk's actual state over AMI: the managed files (``GetConfig``, whole
or one category at a time), PJSIP objects kept in AstDB (``astdb.py``), the state record
and agent sessions (``DBGetTree gitops``) and the live queue members (``QueueStatus``).

The small answers are pipelined; then each whole file is asked for alone and parsed before
the next: Asterisk closes a session it cannot write to for 100 ms (manager.conf
``writetimeout``, tests/real/test_ami_large_reads.py), and the client parses a whole-file
answer in one go once it has it (0.3 s for 250000 lines at 10k agents), so nothing may be on
its way meanwhile. Each answer is dropped once parsed: its headers weigh more than the
objects made of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass

from provisioner.errors import TargetError
from provisioner.render.objects import (
    EXTENSIONS_FILE,
    MANAGED_FILES,
    PJSIP_FILE,
    QUEUES_FILE,
    ConfigObject,
    ObjectKey,
)
from provisioner.targets.ami import astdb
from provisioner.targets.ami.client import Action, AmiClient, Reply
from provisioner.targets.ami.lock import NOT_FOUND
from provisioner.targets.ami.protocol import Message
from provisioner.targets.ami.record import StoredRecord, parse_tree
from provisioner.targets.ami.sessions import ROOT_FAMILY, parse_sessions
from provisioner.targets.ami.state import parse_config, parse_members
from provisioner.targets.ami.updates import is_leftover
from provisioner.targets.base import ActualState

logger = logging.getLogger(__name__)

# a file of which more categories than this are to be read again is read whole (read_part)
NARROW_LIMIT = 16
MAIN_FILES: dict[str, str] = {
    PJSIP_FILE: "pjsip.conf",
    QUEUES_FILE: "queues.conf",
    EXTENSIONS_FILE: "extensions.conf",
}


@dataclass(frozen=True)
class _Ask:
    """What to ask for one file (one category of it when ``name``), and how to read it."""

    file: str
    name: str | None
    actions: list[Action]
    parse: Callable[[list[Reply]], list[ConfigObject]]
    alone: bool  # a whole-file GetConfig: asked for once every other answer is read


class Reader:
    """Reads for one target; remembers what it read (``objects``: every category by key,
    ``leftovers``: temporary categories of an interrupted build, by file) for the writes and
    the verification that follow."""

    def __init__(self, client: AmiClient, *, astdb: bool) -> None:
        self._client = client
        self._astdb = astdb
        self.objects: dict[ObjectKey, ConfigObject] = {}
        self.leftovers: dict[str, list[str]] = {}
        self.stored: StoredRecord | None = None

    def read(self, files: dict[str, set[str] | None]) -> ActualState:
        """``files``: the category names to read of each file (None: all of them)."""
        asks = [
            self._ask(file, name)
            for file in MANAGED_FILES
            if file in files
            for name in (sorted(files[file] or ()) if files[file] is not None else [None])
        ]
        # one tree for the state record and the agent sessions (docs/runtime-contract.md)
        common = [Action("DBGetTree", (("Family", ROOT_FAMILY),)), Action("QueueStatus")]
        batch = [ask for ask in asks if not ask.alone]
        replies = iter(self._client.pipeline(common + [a for k in batch for a in k.actions]))
        tree_reply, status_reply = next(replies), next(replies)
        read: dict[tuple[str, str | None], list[ConfigObject]] = {}
        for ask in batch:
            read[ask.file, ask.name] = ask.parse([next(replies) for _ in ask.actions])
        for ask in (ask for ask in asks if ask.alone):
            read[ask.file, ask.name] = ask.parse(
                [self._client.request(ask.actions[0], check=False)]
            )
        self._keep(read)
        objects = [o for ask in asks for o in read[ask.file, ask.name]]
        tree = db_tree(self._client, tree_reply)
        stored = parse_tree(tree)
        sessions = parse_sessions(tree)
        queues = {key[2] for key in self.objects if key[0] == QUEUES_FILE}
        members = parse_members(self._client.check(status_reply).events, queues)
        self.stored = stored.stored
        logger.info(
            "%s: read %d objects, %d live members, %d agent sessions",
            self._client.name,
            len(objects),
            len(members),
            len(sessions),
        )
        return ActualState(tuple(objects), stored.record, tuple(members), sessions)

    def read_part(self, names: Collection[tuple[str, str]]) -> ActualState:
        """Only the categories of ``names`` (and each leftover met before), one ``GetConfig``
        with a ``Category`` each, or the whole file past ``NARROW_LIMIT`` names: Asterisk
        parses the whole file for each (0.08 s at 10k agents, where the whole answer takes
        1.1 s)."""
        wanted: dict[str, set[str]] = {}
        for file, name in names:
            wanted.setdefault(file, set()).add(name.lower())
        for file, leftovers in self.leftovers.items():
            if leftovers:
                wanted.setdefault(file, set()).update(n.lower() for n in leftovers)
        return self.read({f: n if len(n) <= NARROW_LIMIT else None for f, n in wanted.items()})

    def _ask(self, file: str, name: str | None) -> _Ask:
        if self._astdb and file == PJSIP_FILE:
            if name is None:
                return _Ask(file, name, [astdb.tree()], self._db_objects, alone=False)
            return _Ask(
                file, name, astdb.lookups(name), lambda r: astdb.parse_lookups(name, r), False
            )
        category = () if name is None else (("Category", name),)
        return _Ask(
            file,
            name,
            [Action("GetConfig", (("Filename", file), *category), raw=name is None)],
            lambda replies: self._file_objects(file, replies[0], name),
            alone=name is None,
        )

    def _db_objects(self, replies: list[Reply]) -> list[ConfigObject]:
        return astdb.parse_tree(db_tree(self._client, replies[0]))

    def _keep(self, read: dict[tuple[str, str | None], list[ConfigObject]]) -> None:
        """Remember what was read: a whole file replaces what was known of it, a category
        what was known under its name."""
        whole = {file for file, name in read if name is None}
        names = {(file, name) for file, name in read if name is not None}
        for key in [k for k in self.objects if k[0] in whole or (k[0], k[2].lower()) in names]:
            del self.objects[key]
        for found in read.values():
            self.objects.update((o.key, o) for o in found)

    def _file_objects(self, file: str, reply: Reply, name: str | None) -> list[ConfigObject]:
        """The categories of one file (of one name); leftovers of an interrupted build are
        set aside."""
        try:
            objects = parse_config(file, self._config_reply(file, reply).response)
        except TargetError as e:
            raise TargetError(f"{self._client.name}: {e}") from e
        leftovers = [o.name for o in objects if is_leftover(o.name)]
        if name is None:
            self.leftovers[file] = leftovers
        elif is_leftover(name) and not leftovers:  # gone since the whole file was read
            self.leftovers[file] = [n for n in self.leftovers.get(file, []) if n.lower() != name]
        if leftovers and name is None:
            logger.warning(
                "%s: %s holds %d leftovers of an interrupted apply (e.g. [%s]); the next "
                "write to it removes them",
                self._client.name,
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
                f"{self._client.name} has no {file}: create it empty in Asterisk's config "
                f"directory and add '#tryinclude {file}' to {MAIN_FILES[file]}, then run again"
            )
        return self._client.check(reply)


def db_tree(client: AmiClient, reply: Reply) -> tuple[Message, ...]:
    """The entries of a ``DBGetTree`` reply; none when the family does not exist."""
    if not reply.ok and reply.message.startswith(NOT_FOUND):
        return ()
    return tuple(client.check(reply).events)

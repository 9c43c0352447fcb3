"""Reading inventory YAML safely and fast, and finding where a value was written.

``parse`` builds plain Python data straight from libyaml's event stream (about five times
faster than ``yaml.load``) with the YAML 1.2-style scalar rules an inventory needs:

- ``yes``/``no``/``on``/``off`` stay strings (``nat: yes`` means what it says);
- integers are decimal only: ``0100`` is the number 100, never octal, and ``1:30`` is a string,
  never base 60; a field that must be a string then reports "quote it";
- duplicate keys are an error at the second key, aliases and tags other than ``!!str`` are
  refused, and a file holds one document.

``locate`` walks the events again, only for a file with problems, to turn field paths into
line and column numbers.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml import events

Path = tuple[str | int, ...]
Mark = tuple[int, int]  # 1-based line and column

_Parser: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_NUMBER_STARTS = frozenset("+-.0123456789")  # how every match of _INT or _FLOAT begins
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False}
_BOOLS["FALSE"] = False
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_STR_TAGS = frozenset({"tag:yaml.org,2002:str", "!"})
_COLLECTION_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class YamlSyntaxError(Exception):
    """The file is not YAML an inventory accepts; carries the 1-based position."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Parsed:
    data: Any  # plain data: dict, list, str, int, float, bool, None
    item_marks: tuple[Mark, ...]  # where each item of the top-level list starts


@dataclass(frozen=True)
class Location:
    line: int
    column: int
    raw: str | None  # the scalar exactly as written, when the path ends on a plain scalar


def _mark(event: events.Event) -> Mark:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _scalar(event: events.ScalarEvent) -> Any:
    value: str = event.value
    if event.tag is not None:
        if event.tag in _STR_TAGS:
            return value
        line, col = _mark(event)
        raise YamlSyntaxError(line, col, f"the YAML tag {event.tag} is not supported here")
    if not event.implicit[0]:  # quoted or block scalar
        return value
    if value in _BOOLS:
        return _BOOLS[value]
    if value in _NULLS:
        return None
    if value[0] not in _NUMBER_STARTS:  # most scalars (keys, names, ids): no number to try
        return value
    if _INT.match(value):
        return int(value, 10)
    if _FLOAT.match(value):
        return float(value)
    return value


def _events(data: bytes) -> Generator[events.Event, None, None]:
    parser = _Parser(data)
    try:
        while True:
            event = parser.get_event()
            if event is None:
                return
            yield event
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (1, 1)
        if mark is not None:
            line, col = mark.line + 1, mark.column + 1
        problem = e.problem or e.context or "unreadable YAML"
        raise YamlSyntaxError(line, col, f"the YAML is broken here: {problem}") from e
    except yaml.YAMLError as e:
        raise YamlSyntaxError(1, 1, f"the file cannot be read as YAML: {e}") from e
    finally:
        parser.dispose()


class _Builder:
    """Assembles plain data from events; one instance per file."""

    def __init__(self) -> None:
        self.stack: list[Any] = []
        self.keys: list[events.ScalarEvent | None] = []  # the pending key of each mapping
        self.root: Any = None
        self.item_marks: list[Mark] = []
        self.documents = 0

    def feed(self, event: events.Event) -> None:
        """Any event but a scalar (``add`` takes those, on the hot path)."""
        kind = type(event)
        if kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
            self._start(event)
        elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
            self.keys.pop()
            self.add(self.stack.pop(), None)
        elif kind is events.AliasEvent:
            line, col = _mark(event)
            raise YamlSyntaxError(line, col, "YAML aliases (*name) are not supported: write it out")
        elif kind is events.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                line, col = _mark(event)
                raise YamlSyntaxError(line, col, "a file holds one YAML document, not several")

    def _start(self, event: events.Event) -> None:
        if self._is_key():
            line, col = _mark(event)
            raise YamlSyntaxError(
                line, col, "a mapping key must be a plain name, not a list or map"
            )
        tag = getattr(event, "tag", None)
        if tag not in _COLLECTION_TAGS:
            line, col = _mark(event)
            raise YamlSyntaxError(line, col, f"the YAML tag {tag} is not supported here")
        if len(self.stack) == 2 and type(self.stack[1]) is list:
            self.item_marks.append(_mark(event))
        self.stack.append({} if type(event) is events.MappingStartEvent else [])
        self.keys.append(None)

    def _is_key(self) -> bool:
        return bool(self.stack) and type(self.stack[-1]) is dict and self.keys[-1] is None

    def add(self, value: Any, event: events.ScalarEvent | None) -> None:
        stack = self.stack
        if not stack:
            self.root = value
            return
        top = stack[-1]
        if type(top) is list:
            if event is not None and len(stack) == 2:
                self.item_marks.append(_mark(event))
            top.append(value)
            return
        pending = self.keys[-1]
        if pending is None:
            self.keys[-1] = event
            return
        key = pending.value
        if key in top:
            line, col = _mark(pending)
            raise YamlSyntaxError(line, col, f"the key '{key}' appears twice in the same mapping")
        top[key] = value
        self.keys[-1] = None


def _check_utf8(data: bytes) -> None:
    """An inventory file is UTF-8 text (libyaml would also take UTF-16 after a byte order mark,
    and read a stray one as UTF-16: anything then looks like one odd string)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlSyntaxError(
            1,
            1,
            "the file is not UTF-8 text (it starts with a UTF-16 byte order mark):"
            " save it as UTF-8",
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        start = data.rfind(b"\n", 0, e.start) + 1
        line, column = data.count(b"\n", 0, start) + 1, e.start - start + 1
        byte = data[e.start : e.start + 1].hex()
        raise YamlSyntaxError(
            line,
            column,
            f"the file is not UTF-8 text: byte 0x{byte} at offset {e.start} is not valid UTF-8"
            " (save the file as UTF-8)",
        ) from e


def parse(data: bytes) -> Parsed:
    """Plain data of one YAML file. Raises YamlSyntaxError with the position of the fault."""
    _check_utf8(data)
    builder = _Builder()
    add, feed, scalar_event = builder.add, builder.feed, events.ScalarEvent
    for event in _events(data):
        if type(event) is scalar_event:
            add(_scalar(event), event)
        else:
            feed(event)
    return Parsed(data=builder.root, item_marks=tuple(builder.item_marks))


class _Walker:
    """Tracks the path of every node while walking events, skipping uninteresting subtrees."""

    def __init__(self, targets: Iterable[Path]) -> None:
        self.targets = set(targets)
        self.prefixes = {t[:i] for t in self.targets for i in range(len(t) + 1)}
        self.found: dict[Path, Location] = {}
        self.frames: list[list[Any]] = []  # [path, is_map, next index or pending key]
        self.skip = 0
        self.met: set[Path] = set()  # targets whose node was seen: nothing of theirs changes
        self.missing = len(self.targets)  # at 0 the walk stops (the rest cannot matter)

    def node_path(self, event: events.Event) -> Path | None:
        """Path of the node this event starts, or None when it is a mapping key."""
        if not self.frames:
            return ()
        path, is_map, state = self.frames[-1]
        if not is_map:
            self.frames[-1][2] = state + 1
            return (*path, state)
        if state is None:
            key = getattr(event, "value", None)
            self.frames[-1][2] = key
            keypath = (*path, str(key))
            if keypath in self.prefixes:
                self.found[keypath] = Location(*_mark(event), raw=None)
            return None
        self.frames[-1][2] = None
        return (*path, state)

    def feed(self, event: events.Event) -> None:
        kind = type(event)
        starts = kind in (events.MappingStartEvent, events.SequenceStartEvent)
        if self.skip:
            if starts:
                self.skip += 1
            elif kind in (events.MappingEndEvent, events.SequenceEndEvent):
                self.skip -= 1
            return
        if kind in (events.MappingEndEvent, events.SequenceEndEvent):
            self.frames.pop()
            return
        if not (starts or kind in (events.ScalarEvent, events.AliasEvent)):
            return
        path = self.node_path(event)
        if path is None:
            return
        self._record(path, event)
        if starts:
            is_map = kind is events.MappingStartEvent
            if path in self.prefixes:
                self.frames.append([path, is_map, None if is_map else 0])
            else:
                self.skip = 1

    def _record(self, path: Path, event: events.Event) -> None:
        if path not in self.prefixes:
            return
        raw = None
        if type(event) is events.ScalarEvent and event.implicit[0]:
            raw = event.value
        previous = self.found.get(path)
        line, col = (previous.line, previous.column) if previous is not None else _mark(event)
        self.found[path] = Location(line, col, raw)
        if path in self.targets and path not in self.met:
            self.met.add(path)
            self.missing -= 1


def locate(data: bytes, paths: Iterable[Path]) -> dict[Path, Location]:
    """Where each path (or the deepest part of it that exists) was written in ``data``.

    A mapping entry is placed at its key, a list item at its start, a missing field at the
    mapping that lacks it; a file that does not parse places everything at line 1.
    """
    wanted = [tuple(p) for p in paths]
    walker = _Walker(wanted)
    events = _events(data)
    try:
        for event in events:
            walker.feed(event)
            if not walker.missing:
                break
    except YamlSyntaxError:
        pass
    finally:
        events.close()
    result: dict[Path, Location] = {}
    for path in wanted:
        for depth in range(len(path), -1, -1):
            hit = walker.found.get(path[:depth])
            if hit is not None:
                exact = depth == len(path)
                result[path] = hit if exact else Location(hit.line, hit.column, None)
                break
        else:
            result[path] = Location(1, 1, None)
    return result

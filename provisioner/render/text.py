"""Managed config files as text: write them (``to_text``) and read them back (``parse``).

The text is what Asterisk's config parser reads: a header comment, then per category a
``; owner: ...`` comment, ``[name]`` and its ``key=value`` lines (``key => value`` for the
dialplan keys of extensions.conf). ``parse(file, to_text(file, objects)) == objects``.

``kind_of`` is the one rule that says what kind a category is; the AMI target applies the same
rule to what ``GetConfig`` returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from provisioner.errors import RenderError, TargetError
from provisioner.render.objects import MANAGED_FILES, ConfigObject, is_sensitive

HEADER = (
    "; Managed by asterisk-gitops: do not edit by hand, every change here is overwritten.",
    "; Change the inventory instead, then plan and apply.",
)
OWNER_PREFIX = "; owner: "
# Keys of extensions.conf written as "key => value" (Asterisk reads both forms alike).
ARROW_KEYS: frozenset[str] = frozenset({"exten", "same", "include", "switch", "ignorepat"})
_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
_OWNER = OWNER_PREFIX.strip()
_CATEGORY = re.compile(r"^\[([^\[\]]+)\]$")
# What the plain-file path of ``parse`` reads: one category with the comment and blank lines
# before it (groups: comments, name, option lines), the comments after the last one, and one
# option line. A value has no surrounding spaces, no ';' and does not start with '>' (nor is
# it empty after ' => ': that rare line goes line by line). Possessive quantifiers (``++``)
# never give back what they matched: nothing here needs it, and it saves a third of the time.
_COMMENTS = r"(?:;[^\n]*\n|\n)*"
_VALUE = r"(?:[^\s;>][^\n;]*+)?(?<!\s)"
_BLOCK = re.compile(
    rf"({_COMMENTS})\[([^\[\]\n;]+)\]\n((?:(?:[A-Za-z0-9_.-]++(?:=| => ){_VALUE})?\n)*+)"
)
_TAIL = re.compile(rf"{_COMMENTS}\Z")
_OPTION = re.compile(r"^([A-Za-z0-9_.-]+)(?:=| => )(.*)$", re.MULTILINE)
# Line boundaries of str.splitlines() other than "\n": a text holding one goes line by line.
_LINE_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_FIXED_KIND_PREFIXES = ("queues", "extensions")


def kind_of(file: str, name: str, options: Sequence[tuple[str, str]]) -> str:
    """The kind of category ``name`` of ``file``: its ``type=`` value for PJSIP files,
    ``queue`` for queues files, ``context`` for extensions files."""
    if file.rsplit("/", 1)[-1].startswith("pjsip"):
        kinds = [v for k, v in options if k == "type"]
        if not kinds:
            raise TargetError(f"{file}: category [{name}] has no type= line")
        return kinds[-1]
    return _file_kind(file)


def _file_kind(file: str) -> str:
    """The kind of every category of a queues or extensions file."""
    base = file.rsplit("/", 1)[-1]
    if base.startswith("queues"):
        return "queue"
    if base.startswith("extensions"):
        return "context"
    raise TargetError(f"{file}: not a file asterisk-gitops manages")


def to_text(file: str, objects: Sequence[ConfigObject]) -> str:
    """The text of ``file`` holding ``objects`` in the given order (byte-identical for the
    same input). Raises RenderError for a value Asterisk's config files cannot hold."""
    lines = [*HEADER, f"; File: {file}"]
    arrow = _uses_arrows(file)
    for obj in objects:
        lines.append("")
        if obj.owner:
            lines.append(OWNER_PREFIX + _checked_comment(obj))
        lines.append(f"[{_checked_name(obj)}]")
        lines.extend(_option_line(obj, k, v, arrow) for k, v in obj.options)
    return "\n".join(lines) + "\n"


def parse(file: str, text: str) -> tuple[ConfigObject, ...]:
    """The categories of ``file`` read from ``text``: comments, blank lines, spaces around
    ``=`` and ``key => value`` are tolerated. Raises TargetError naming file and line.

    A file as ``to_text`` writes it is read by whole-category regular expressions; anything
    else (and every error) goes line by line, with the same result."""
    fast = _parse_plain(file, text)
    return fast if fast is not None else parse_lines(file, text)


def parse_lines(file: str, text: str) -> tuple[ConfigObject, ...]:
    """``parse`` line by line: any text, and the errors with their line numbers."""
    builder = _Builder(file)
    for number, raw in enumerate(text.splitlines(), start=1):
        builder.line(number, raw)
    return builder.finish()


def _parse_plain(file: str, text: str) -> tuple[ConfigObject, ...] | None:
    """``parse`` of a plain file (comment lines, ``[name]`` headers, ``key=value`` and
    ``key => value`` lines without surrounding spaces or ``;``), else None."""
    if any(c in text for c in _LINE_BREAKS):
        return None
    if not text.endswith("\n"):
        text += "\n"
    base = file.rsplit("/", 1)[-1]
    if base.startswith(_FIXED_KIND_PREFIXES):
        kind: str | None = _file_kind(file)
    elif base.startswith("pjsip"):
        kind = None  # each category's own type=
    else:
        return None  # not a managed file: the line-by-line parse says so
    objects: list[ConfigObject] = []
    pos = 0
    block = _BLOCK.match(text)
    while block is not None:
        comments, name, lines = block.groups()
        options = tuple(_OPTION.findall(lines))
        this_kind = kind or _pjsip_kind(options, lines)
        if this_kind is None:
            return None  # no type= line: the line-by-line parse names the line
        objects.append(ConfigObject(file, this_kind, name.strip(), options, _owner(comments)))
        pos = block.end()
        block = _BLOCK.match(text, pos)
    return tuple(objects) if _TAIL.match(text, pos) else None


def _owner(comments: str) -> str:
    """The last ``; owner:`` comment line of the comment lines before a category."""
    at = comments.rfind(_OWNER)
    if at < 0:
        return ""
    if at == 0 or comments[at - 1] == "\n":
        return comments[at + len(_OWNER) : comments.index("\n", at)].strip()
    owner = ""
    for line in comments.split("\n"):
        if line.startswith(_OWNER):
            owner = line[len(_OWNER) :].strip()
    return owner


def _pjsip_kind(options: tuple[tuple[str, str], ...], lines: str) -> str | None:
    """The last ``type=`` value: usually the first line, and the only one."""
    if options and options[0][0] == "type" and "\ntype=" not in lines and "\ntype " not in lines:
        return options[0][1]
    for key, value in reversed(options):
        if key == "type":
            return value
    return None


@dataclass
class _Category:
    name: str
    owner: str
    line: int
    options: list[tuple[str, str]]


class _Builder:
    """Collects categories line by line; the state of one ``parse`` call."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.done: list[_Category] = []
        self.current: _Category | None = None
        self.owner = ""

    def line(self, number: int, raw: str) -> None:
        content = raw.strip()
        if ";" in content:
            if content.startswith(_OWNER):
                self.owner = content[len(_OWNER) :].strip()
                return
            content = _strip_comment(content).strip()
        if not content:
            return
        first = content[0]
        if first == "[":
            self._open(number, content)
        elif first == "#":
            self._fail(number, f"directive {content.split()[0]!r} is not allowed in a managed file")
        else:
            self._option(number, content)

    def _open(self, number: int, content: str) -> None:
        match = _CATEGORY.match(content)
        if match is None:
            self._fail(
                number,
                f"cannot read category header {_quoted_line(content)} (templates not allowed)",
            )
        if self.current is not None:
            self.done.append(self.current)
        self.current = _Category(match.group(1).strip(), self.owner, number, [])
        self.owner = ""

    def _option(self, number: int, content: str) -> None:
        if self.current is None:
            self._fail(number, "a key=value line before any [category]")
        key, sep, value = content.partition("=")
        key = key.strip()
        if not sep or not _KEY.match(key):
            self._fail(number, f"cannot read {_quoted_line(content)} (expected key=value)")
        if value.startswith(">"):
            value = value[1:]
        self.current.options.append((key, _unescape(value.strip())))

    def finish(self) -> tuple[ConfigObject, ...]:
        if self.current is not None:
            self.done.append(self.current)
        return tuple(self._object(c) for c in self.done)

    def _object(self, cat: _Category) -> ConfigObject:
        options = tuple(cat.options)
        try:
            kind = kind_of(self.file, cat.name, options)
        except TargetError as e:
            raise TargetError(f"{self.file}:{cat.line}: {e}") from e
        return ConfigObject(self.file, kind, cat.name, options, cat.owner)

    def _fail(self, number: int, message: str) -> NoReturn:
        raise TargetError(f"{self.file}:{number}: {message}")


def _quoted_line(content: str) -> str:
    """A line for an error message; not shown when it may hold a secret (``Password x``)."""
    return "this line (not shown: it may hold a secret)" if is_sensitive(content) else repr(content)


def _strip_comment(raw: str) -> str:
    """The line without its comment: ``;`` starts one unless escaped as ``\\;``."""
    index = 0
    while True:
        index = raw.find(";", index)
        if index < 0:
            return raw
        if index == 0 or raw[index - 1] != "\\":
            return raw[:index]
        index += 1


def _unescape(value: str) -> str:
    return value.replace("\\;", ";")


def _uses_arrows(file: str) -> bool:
    return file.rsplit("/", 1)[-1].startswith("extensions")


def _option_line(obj: ConfigObject, key: str, value: str, arrow: bool) -> str:
    if not _KEY.match(key):
        raise RenderError(f"[{obj.name}] in {obj.file}: option name {key!r} cannot be written")
    if _unwritable(value):
        raise RenderError(
            f"[{obj.name}] in {obj.file}: the value of {key} has a line break or surrounding"
            " spaces, which Asterisk's config files cannot hold"
        )
    escaped = value.replace(";", "\\;")
    if arrow and key in ARROW_KEYS:
        return f"{key} => {escaped}"
    return f"{key}={escaped}"


def _unwritable(value: str) -> bool:
    return value != value.strip() or any(c in value for c in "\r\n\0")


def _checked_name(obj: ConfigObject) -> str:
    if not obj.name or _unwritable(obj.name) or any(c in obj.name for c in "[];"):
        raise RenderError(f"category name {obj.name!r} in {obj.file} cannot be written")
    return obj.name


def _checked_comment(obj: ConfigObject) -> str:
    if _unwritable(obj.owner):
        raise RenderError(f"owner {obj.owner!r} of [{obj.name}] in {obj.file} cannot be written")
    return obj.owner


def split_by_file(objects: Iterable[ConfigObject]) -> dict[str, tuple[ConfigObject, ...]]:
    """The objects of each managed file, in order (every managed file present)."""
    files: dict[str, list[ConfigObject]] = {f: [] for f in MANAGED_FILES}
    for obj in objects:
        files.setdefault(obj.file, []).append(obj)
    return {f: tuple(objs) for f, objs in files.items()}

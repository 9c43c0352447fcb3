"""Managed config files as text: write them (``to_text``) and read them back (``parse``).

The text is what Asterisk's config parser reads: a header comment, then per category a
``; owner: ...`` comment, ``[name]`` and its ``key=value`` lines (``key => value`` for the
dialplan keys of extensions.conf). ``parse(file, to_text(file, objects)) == objects``.

``kind_of`` is the one rule that says what kind a category is; the AMI target applies the same
rule to what ``GetConfig`` returns.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from provisioner.errors import RenderError, TargetError
from provisioner.render.objects import MANAGED_FILES, ConfigObject, is_sensitive

logger = logging.getLogger(__name__)

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
    rf"({_COMMENTS})\[([^\[\]\n;]+)\]\n((?:(?:[A-Za-z0-9_.-]++(?:=| => ){_VALUE})?\n)*+)",
    re.ASCII,
)
_TAIL = re.compile(rf"{_COMMENTS}\Z")
_OPTION = re.compile(r"^([A-Za-z0-9_.-]+)(?:=| => )(.*)$", re.MULTILINE)
# Asterisk's own line rules (main/config.c): a line ends at "\n" only (fgets), so "\r",
# U+2028, U+0085... are ordinary characters; ast_strip removes every byte below 33 ("\r",
# tabs, other control characters, spaces) at both ends of a line, a key and a value; a line
# of 8191 bytes or more (buf[8192]) is skipped with a warning. A text holding a control
# character other than "\n" goes line by line, where these rules are spelled out.
AST_BLANKS = "".join(map(chr, range(33)))
MAX_LINE_BYTES = 8190  # before the "\n"
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SHORT_LINE = MAX_LINE_BYTES // 4  # a line of at most this many characters always fits
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
    for number, raw in enumerate(text.split("\n"), start=1):
        if len(raw) > _SHORT_LINE and _too_long(raw):
            logger.warning("%s:%d: line too long for Asterisk, which skips it", file, number)
            continue
        builder.line(number, raw)
    return builder.finish()


def byte_length(text: str) -> int:
    """Bytes of ``text`` in UTF-8: what Asterisk's limits count."""
    return len(text.encode("utf-8", "surrogatepass"))


def _too_long(line: str) -> bool:
    return byte_length(line) > MAX_LINE_BYTES


def ast_strip(text: str) -> str:
    """``text`` as Asterisk's ``ast_strip`` leaves it: bytes below 33 removed at both ends."""
    return text.strip(AST_BLANKS)


def _parse_plain(file: str, text: str) -> tuple[ConfigObject, ...] | None:
    """``parse`` of a plain file (comment lines, ``[name]`` headers, ``key=value`` and
    ``key => value`` lines without surrounding spaces or ``;``), else None."""
    if _CONTROL.search(text):
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
        if len(lines) > _SHORT_LINE and any(_too_long(line) for line in lines.split("\n")):
            return None  # a line Asterisk skips: the line-by-line parse skips it too
        options = tuple(_OPTION.findall(lines))
        this_kind = kind or _pjsip_kind(options, lines)
        if this_kind is None:
            return None  # no type= line: the line-by-line parse names the line
        objects.append(ConfigObject(file, this_kind, ast_strip(name), options, _owner(comments)))
        pos = block.end()
        block = _BLOCK.match(text, pos)
    return tuple(objects) if _TAIL.match(text, pos) else None


def _owner(comments: str) -> str:
    """The last ``; owner:`` comment line of the comment lines before a category."""
    at = comments.rfind(_OWNER)
    if at < 0:
        return ""
    if at == 0 or comments[at - 1] == "\n":
        return ast_strip(comments[at + len(_OWNER) : comments.index("\n", at)])
    owner = ""
    for line in comments.split("\n"):
        if line.startswith(_OWNER):
            owner = ast_strip(line[len(_OWNER) :])
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
        content = ast_strip(raw)
        if ";" in content:
            if content.startswith(_OWNER):
                self.owner = ast_strip(content[len(_OWNER) :])
                return
            content = ast_strip(_strip_comment(content))
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
        self.current = _Category(ast_strip(match.group(1)), self.owner, number, [])
        self.owner = ""

    def _option(self, number: int, content: str) -> None:
        if self.current is None:
            self._fail(number, "a key=value line before any [category]")
        key, sep, value = content.partition("=")
        key = ast_strip(key)
        if not sep or not _KEY.match(key):
            self._fail(number, f"cannot read {_quoted_line(content)} (expected key=value)")
        if value.startswith(">"):
            value = value[1:]
        self.current.options.append((key, _unescape(ast_strip(value))))

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
    # config.c skips a '>' right after '=' ("=>"): a value starting with one is written
    # after " => ", whose '>' is the one skipped.
    spaced = (arrow and key in ARROW_KEYS) or value.startswith(">")
    line = f"{key} => {escaped}" if spaced else f"{key}={escaped}"
    if len(line) > _SHORT_LINE and _too_long(line):
        raise RenderError(
            f"[{obj.name}] in {obj.file}: the line of {key} is longer than the "
            f"{MAX_LINE_BYTES} bytes Asterisk reads (it would skip the line)"
        )
    return line


def _unwritable(value: str) -> bool:
    """What a config line cannot hold as Asterisk reads it back: what ``ast_strip`` would
    remove at either end, a line break or NUL, and "\r" (AMI cannot carry it either)."""
    return value != ast_strip(value) or any(c in value for c in "\r\n\0")


# config.c keeps a category name in char name[80]: a longer one is cut when Asterisk reads it.
MAX_CATEGORY_BYTES = 79


def _checked_name(obj: ConfigObject) -> str:
    name = obj.name
    if not name or _unwritable(name) or any(c in name for c in "[];"):
        raise RenderError(f"category name {name!r} in {obj.file} cannot be written")
    if byte_length(name) > MAX_CATEGORY_BYTES:
        raise RenderError(
            f"category name {name!r} in {obj.file} is longer than the {MAX_CATEGORY_BYTES} "
            "bytes Asterisk keeps of a category name"
        )
    return name


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

"""Asterisk config files read the way main/config.c reads them, includes and templates resolved.

What ``provisioner dump`` reads from a directory (``pjsip.conf``, ``queues.conf``,
``extensions.conf``): the same categories, in the same order and with the same variables, as
Asterisk's ``GetConfig`` of that file lists (tests/real checks it against a real Asterisk):

- comments: ``;`` to the end of the line, ``;-- ... --;`` blocks (nested, across lines),
  ``\\;`` is a plain ``;``; lines longer than 8191 bytes are skipped;
- ``[name]``, ``[name](!)`` (a template: a source of variables, not listed), ``[name](a,b)``
  (the variables of ``a`` then ``b`` are copied first), ``[name](+)`` (more variables for the
  first category of that name, ``(+type=aor)`` for the first one having ``type=aor``); names
  are compared ignoring ASCII case;
- ``key = value``, ``key => value``, ``key += more`` (appended to the last ``key``);
- ``#include`` / ``#tryinclude`` (relative to the config directory, glob patterns expanded,
  at most 10 levels): an included file goes on with the category that was current, and the
  including file goes on after the directive with the category it had before it.

A line Asterisk refuses (no ``]``, ``(+)`` or inheritance of a category that does not exist,
a variable before any category, a missing ``#include``) makes it refuse the whole file when it
is in the file asked for (``ConfigError`` names the file and line); in an included file
Asterisk stops reading that included file there and goes on with the rest, and so does this
reader (a ``Note`` says so). Lines Asterisk ignores with a warning (no ``=``, an unknown
directive, ``#exec``, which is never run here) are ignored with a ``Note``.
"""

from __future__ import annotations

import glob
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

from provisioner.errors import ProvisionerError

MAX_LINE_BYTES = 8191  # config.c reads a line into an 8192-byte buffer
MAX_INCLUDE_LEVEL = 10  # config.c's default include depth
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_GLOB_MAGIC = re.compile(r"[*?\[]")
_DIRECTIVE = re.compile(r"#([^\x00-\x20]*)(.*)", re.DOTALL)
MAX_NAME = 79  # config.c keeps a category name in char[80]


class ConfigError(ProvisionerError):
    """Asterisk would refuse the file: one sentence naming the file and line."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line


@dataclass(frozen=True)
class Note:
    """Something read but not taken, as Asterisk logs it: file, line and what happened."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Category:
    """One ``[name]`` as read: its variables in order (inherited ones first)."""

    name: str
    file: str
    line: int
    template: bool = False
    templates: list[str] = field(default_factory=list)  # the categories it inherits from
    options: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Config:
    """Every category of a file and its includes, in Asterisk's order, and the notes."""

    categories: list[Category] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def visible(self) -> list[Category]:
        """The categories ``GetConfig`` lists: every one but the templates."""
        return [c for c in self.categories if not c.template]


def name_key(name: str) -> str:
    """A category name as config.c compares it (strcasecmp, ASCII letters only)."""
    return name.translate(_ASCII_FOLD)


def load(directory: Path, filename: str) -> Config:
    """The categories of ``filename`` in the config directory ``directory``.

    Raises ConfigError when Asterisk would refuse the file, or when it is missing.
    """
    reader = _Reader(directory)
    if not reader.load(filename, None, 1):
        raise ConfigError(filename, 0, f"there is no {filename} in {directory}")
    return reader.config


class _Abort(Exception):
    """A line config.c refuses: it stops reading the file it is in."""


class _Reader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.config = Config()

    def load(self, pattern: str, current: Category | None, level: int) -> bool:
        """Read every file ``pattern`` names; False when none exists. ``current`` is the
        category the including file was in (None for the file asked for)."""
        paths = self._paths(pattern)
        for path in paths:  # a glob's next file goes on with the category the last one ended in
            current = _File(self, path, self.shown(path), level, current).read()
        return bool(paths)

    def shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.directory))
        except ValueError:
            return str(path)

    def _paths(self, pattern: str) -> list[Path]:
        full = pattern if pattern.startswith("/") else str(self.directory / pattern)
        if _GLOB_MAGIC.search(full):
            return [Path(p) for p in sorted(glob.glob(full)) if Path(p).is_file()]
        return [Path(full)] if Path(full).is_file() else []


class _File:
    """The state of reading one file (config_text_file_load)."""

    def __init__(
        self, reader: _Reader, path: Path, shown: str, level: int, current: Category | None
    ) -> None:
        self.reader = reader
        self.path = path
        self.shown = shown
        self.level = level
        self.current = current
        self.depth = 0  # nesting of ;-- --; comments
        self.lineno = 0

    def read(self) -> Category | None:
        """Read the file; the category it ends in."""
        try:
            data = self.path.read_bytes()
        except OSError as e:
            raise ConfigError(self.shown, 0, f"cannot be read: {e.strerror}") from e
        try:
            for self.lineno, raw in enumerate(data.split(b"\n"), start=1):
                self._raw_line(raw)
        except _Abort as e:
            if self.level == 1:
                raise ConfigError(self.shown, self.lineno, f"{e}; Asterisk refuses the file") from e
            self._note(f"{e}; Asterisk stops reading this included file here")
        return self.current

    def _note(self, message: str) -> None:
        self.reader.config.notes.append(Note(self.shown, self.lineno, message))

    def _raw_line(self, raw: bytes) -> None:
        if len(raw) + 1 > MAX_LINE_BYTES:
            self._note(f"line longer than {MAX_LINE_BYTES} bytes: Asterisk skips it")
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ConfigError(
                self.shown,
                self.lineno,
                f"is not UTF-8 text (byte 0x{raw[e.start]:02x}); convert the file to UTF-8 "
                "(iconv -f latin1 -t utf-8) and run again",
            ) from e
        content = self._uncommented(text).strip()
        if content:
            self._content(content)

    def _uncommented(self, text: str) -> str:
        """The part of the line outside comments, as config.c's comment loop leaves it:
        ``\\;`` is a plain ``;``, ``;--`` opens a block and ``--;`` closes one (config.c
        closes one even when none is open, and then reads every line as a comment until a
        ``;--``), a lone ``;`` ends the line."""
        kept: list[str] | None = [] if self.depth == 0 else None
        live: int | None = 0 if self.depth == 0 else None  # start of the text being kept
        pos = 0
        while (at := text.find(";", pos)) >= 0:
            if at > pos and text[at - 1] == "\\":
                text = text[: at - 1] + text[at:]
                pos = at
            elif text.startswith("--", at + 1) and not text.startswith("---", at + 1):
                if kept is not None and live is not None:
                    kept.append(text[live:at])
                    live = None
                self.depth += 1
                pos = at + 3
            elif at >= pos + 2 and text[at - 2 : at] == "--":
                self.depth -= 1
                pos = at + 1
                if self.depth == 0:
                    kept = [] if kept is None else kept
                    live = pos
            elif self.depth == 0:
                if kept is not None and live is not None:
                    kept.append(text[live:at])
                return "".join(kept or [])
            else:
                pos = at + 1
        if kept is not None and live is not None:
            kept.append(text[live:])
        return "".join(kept or [])

    def _content(self, content: str) -> None:
        if content.startswith("["):
            self._category(content)
        elif content.startswith("#"):
            self._directive(content)
        else:
            self._variable(content)

    # -- [name](options) ----------------------------------------------------------------

    def _category(self, content: str) -> None:
        close = content.find("]")
        if close < 0:
            raise _Abort("no closing ']' in the category header")
        name = content[1:close]
        if len(name.encode()) > MAX_NAME:
            name = name.encode()[:MAX_NAME].decode("utf-8", "ignore")
            self._note(f"category name longer than {MAX_NAME} bytes: Asterisk cuts it to [{name}]")
        new = Category(name, self.shown, self.lineno)
        target: Category | None = new
        rest = content[close + 1 :]
        if rest.startswith("("):
            end = rest.find(")")
            if end < 0:
                raise _Abort("no closing ')' in the category header")
            for flag in rest[1:end].split(","):
                target = self._flag(flag, name, new, target)
        if target is new:
            self.reader.config.categories.append(new)
        self.current = target

    def _flag(self, flag: str, name: str, new: Category, target: Category | None) -> Category:
        assert target is not None
        if flag == "!":
            target.template = True
            return target
        if flag.startswith("+"):
            existing = self._find(name, flag[1:], templates=False)
            if existing is None:
                raise _Abort(f"category addition requested, but there is no [{name}] before it")
            existing.template |= new.template
            existing.options.extend(new.options)
            new.options = []
            return existing
        base = self._find(flag, "", templates=True)
        if base is None:
            raise _Abort(f"inheritance from [{flag}] requested, but there is no [{flag}] before it")
        target.templates.append(base.name)
        target.options.extend(base.options)
        return target

    def _find(self, name: str, condition: str, *, templates: bool) -> Category | None:
        """The first category of that name (ignoring case) that ``condition`` lets through."""
        key = name_key(name)
        for category in self.reader.config.categories:
            if name_key(category.name) == key and _passes(category, condition, templates):
                return category
        return None

    # -- #include -------------------------------------------------------------------------

    def _directive(self, content: str) -> None:
        match = _DIRECTIVE.match(content)
        assert match is not None
        word, argument = match.group(1), match.group(2).strip()
        directive = word.lower()
        if directive == "exec":
            self._note("#exec is not run by provisioner dump: what it would add is not read")
            return
        if directive not in ("include", "tryinclude"):
            self._note(f"unknown directive '#{word}': Asterisk ignores it")
            return
        if not argument:
            self._note(f"#{word} without a file name: Asterisk ignores it")
            return
        pattern = _dequoted(argument)
        if self.level >= MAX_INCLUDE_LEVEL:
            why = f"#{word} {pattern} goes deeper than {MAX_INCLUDE_LEVEL} levels of includes"
            if directive == "include":
                raise _Abort(why)
            self._note(f"{why}: Asterisk skips it")
            return
        found = self.reader.load(pattern, self.current, self.level + 1)
        if not found and directive == "include":
            raise _Abort(f"the file '{pattern}' was listed as a #include but it does not exist")

    # -- key = value ----------------------------------------------------------------------

    def _variable(self, content: str) -> None:
        if self.current is None:
            raise _Abort("a variable before any [category]")
        escaped = content.startswith("\\")
        if escaped and (len(content) < 2 or ord(content[1]) < 33):
            raise _Abort("invalid escape")
        body = content[1:] if escaped else content
        equals = body.find("=", 1 if escaped else 0)
        if equals < 0:
            self._note("no '=' in the line: Asterisk ignores it")
            return
        key, value = body[:equals], body[equals + 1 :]
        if key.endswith("+"):
            self._append(key[:-1].strip(), value)
            return
        if value.startswith(">"):
            value = value[1:]
        self._add(key.strip(), value.strip())

    def _add(self, key: str, value: str) -> None:
        assert self.current is not None
        if not key:
            self._note("no variable name before '=': Asterisk ignores it")
            return
        self.current.options.append((key, value))

    def _append(self, key: str, more: str) -> None:
        assert self.current is not None
        options = self.current.options
        for index in range(len(options) - 1, -1, -1):
            if options[index][0] == key:
                options[index] = (key, (options[index][1] + more).strip())
                return
        self._add(key, more.strip())


def _dequoted(argument: str) -> str:
    pairs = {'"': '"', "<": ">"}
    close = pairs.get(argument[0])
    if close is not None and len(argument) > 1 and argument.endswith(close):
        return argument[1:-1]
    return argument


def _passes(category: Category, condition: str, templates: bool) -> bool:
    """config.c's does_category_match: ``name=value`` terms (regular expressions) that a
    variable must match, and ``TEMPLATES=include``; without terms every non-template."""
    allow_templates = templates
    terms = []
    for term in (t for t in condition.split(",") if t):
        name, equals, value = term.partition("=")
        if name == "TEMPLATES" and value == "include":
            allow_templates = True
        elif equals:
            terms.append((name, value))
        else:
            return False
    if category.template and not allow_templates:
        return False
    try:
        return all(
            any(re.search(n, k) and re.search(v, val) for k, val in category.options)
            for n, v in terms
        )
    except re.error:
        return False

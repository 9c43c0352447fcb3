"""Config file text as Asterisk reads and writes it, comments included.

Reading follows config.c with ``CONFIG_FLAG_WITHCOMMENTS`` (what UpdateConfig loads with):
full-line comments, and the blank lines after them, become the next category's or variable's
``precomments``; a comment after a value is its ``sameline`` comment; comments at the end of
the file trail the last item. Writing follows ``ast_config_text_file_save``: the ``;!``
header, ``[name]`` and ``key = value`` (``=>`` for objects, ``;`` escaped), comments put
back except ``;!`` ones, and blank lines re-created from the original line numbers (fewer
than five kept as they were, more shrunk to one; none around what UpdateConfig created).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from tests.fakes.config import Category, ConfigFile, Variable, name_key

logger = logging.getLogger(__name__)
_CATEGORY_RE = re.compile(r"^\[([^\]]+)\](?:\(([^)]*)\))?$")
_UNESCAPED_SEMICOLON = re.compile(r"(?<!\\);")
_BELOW_33 = "".join(map(chr, range(33)))
MAX_LINE_BYTES = 8190  # config.c reads a line into char buf[8192], its "\n" included


def ast_strip(text: str) -> str:
    """main/strings.h ``ast_strip``: every byte below 33 removed at both ends (spaces, tabs,
    "\r", other control characters); not Python's Unicode-aware ``str.strip()``."""
    return text.strip(_BELOW_33)


@dataclass
class _Reader:
    """State while reading one file."""

    config: ConfigFile
    comments: str = ""
    category: Category | None = None
    last: Category | Variable | None = None

    def take_comments(self) -> str:
        taken, self.comments = self.comments, ""
        return taken


def _split_comment(raw: str) -> tuple[str, str]:
    """Content and the ``;comment`` after it (an escaped ``\\;`` is no comment)."""
    match = _UNESCAPED_SEMICOLON.search(raw)
    if match is None:
        return raw, ""
    return raw[: match.start()], raw[match.start() :]


def parse_config(name: str, text: str) -> ConfigFile:
    """Parse Asterisk config syntax: sections, ``k = v``/``k => v``, comments, includes."""
    reader = _Reader(ConfigFile(name=name, text=text))
    lines = text.split("\n")  # fgets: only "\n" ends a line
    if lines[-1] == "":
        lines.pop()  # the text's last "\n" ends the last line, it starts none
    for lineno, raw in enumerate(lines, start=1):
        if len(raw.encode()) > MAX_LINE_BYTES:  # buf[8192]: "Line %d too long, skipping"
            logger.warning("%s:%d: line too long, skipping", name, lineno)
            continue
        content, comment = _split_comment(raw)
        content = ast_strip(content)
        if not content:
            if comment:
                reader.comments += comment + "\n"
            elif reader.comments:
                reader.comments += "\n"
            continue
        _content_line(reader, lineno, content, comment + "\n" if comment else "")
    if reader.comments and reader.last is not None:
        reader.last.trailing = reader.take_comments()
    return reader.config


def _content_line(reader: _Reader, lineno: int, content: str, sameline: str) -> None:
    if content.startswith("#"):
        parts = content.split(None, 1)
        if parts[0] in ("#include", "#tryinclude") and len(parts) == 2:
            reader.config.includes.append(parts[1].strip().strip('"'))
        return
    match = _CATEGORY_RE.match(content)
    if match:
        _category_line(reader, lineno, ast_strip(match.group(1)), match.group(2) or "", sameline)
        return
    if reader.category is None or "=" not in content:
        logger.warning("%s:%d: no category or no '=': %r", reader.config.name, lineno, content)
        return
    key, _, value = content.partition("=")
    is_object = value.startswith(">")
    variable = Variable(
        ast_strip(key),
        ast_strip(value.removeprefix(">")).replace("\\;", ";"),
        lineno=lineno,
        precomments=reader.take_comments(),
        sameline=sameline,
        object=is_object,
    )
    reader.category.variables.append(variable)
    reader.last = variable


def _category_line(reader: _Reader, lineno: int, name: str, options: str, sameline: str) -> None:
    """``[name]``, ``[name](!)`` (template), ``[name](tmpl,...)`` (inherits its variables
    first) or ``[name](+)`` (adds to the first category of that name above)."""
    flags = [o.strip() for o in options.split(",") if o.strip()]
    # config.c: ``ast_category_get(cfg, name, "")``, the first non-template of that name
    # (tests/real/test_dump_conffile.py checks it on the real Asterisk)
    earlier = [
        c for c in reader.config.categories if name_key(c.name) == name_key(name) and not c.template
    ]
    if "+" in flags and earlier:
        reader.category = earlier[0]
        reader.take_comments()
        return
    parents = tuple(f for f in flags if f not in ("!", "+"))
    category = Category(name, lineno=lineno, sameline=sameline, template="!" in flags)
    category.inherits = parents
    category.precomments = reader.take_comments()
    for parent in parents:
        source = [c for c in reader.config.categories if name_key(c.name) == name_key(parent)]
        if not source:
            logger.warning(
                "%s:%d: inheritance requested, but no %r", reader.config.name, lineno, parent
            )
            continue
        for variable in source[0].variables:  # config.c: the first of that name
            copied = Variable(variable.key, variable.value, object=variable.object, inherited=True)
            category.variables.append(copied)
    reader.config.categories.append(category)
    reader.category = category
    reader.last = category


class _Writer:
    """Builds the saved text. Tracks the original line numbers (for blank lines, as
    ``insert_leading_blank_lines`` of config.c does) and gives every item the line number
    and comments it would get if the saved file were read again."""

    def __init__(self, header: str) -> None:
        self.out = [header]
        self.old_lineno = 1  # config.c's fi->lineno, in the numbering of the file read
        self.new_lineno = header.count("\n") + 1  # next line of the text being written
        self.pending = header  # comment lines a re-read would hold for the next item
        self.last: Category | Variable | None = None

    def _emit(self, text: str, comment: bool) -> None:
        if text:
            self.out.append(text)
            self.new_lineno += text.count("\n")
            if comment:
                self.pending += text

    def item(self, item: Category | Variable, line: str) -> None:
        """Blank lines, the item's comments, its line (``line`` ends in a newline), and what
        trails it; then the item is renumbered as a re-read would number it."""
        pre = item.precomments
        if item.lineno > 0:
            gap = item.lineno - (pre.count("\n") if pre else 0) - self.old_lineno
            if gap >= 0:
                if gap:
                    blank = "\n" * (gap if gap < 5 else 1)
                    self.out.append(blank)
                    self.new_lineno += len(blank)
                    if self.pending:
                        self.pending += blank
                self.old_lineno = item.lineno + 1
        if pre:
            self._emit(_printable(pre, isinstance(item, Category)), comment=True)
        self.out.append(line)
        item.lineno, item.precomments, self.pending = self.new_lineno, self.pending, ""
        self.new_lineno += 1
        if item.trailing:
            trailing, item.trailing = item.trailing, ""
            self._emit("" if trailing.startswith(";!") else trailing, comment=True)
        self.last = item

    def comment(self, variable: Variable, line: str) -> None:
        """A comment-variable's line: its own comments, then the line, all for the next item."""
        if variable.precomments:
            self._emit(_printable(variable.precomments, False), comment=True)
        self._emit(line, comment=True)

    def finish(self, includes: list[str]) -> str:
        self.out.extend(f'#include "{include}"\n' for include in includes)
        if self.pending and self.last is not None:
            self.last.trailing = self.pending
        return "".join(self.out)


def _printable(comments: str, category: bool) -> str:
    """What config.c prints of precomments: a category skips its leading ``;!`` lines, a
    variable prints nothing of a comment that starts with ``;!``."""
    if not category:
        return "" if comments.startswith(";!") else comments
    lines = comments.splitlines(keepends=True)
    while lines and lines[0].startswith(";!"):
        lines.pop(0)
    return "".join(lines)


def save_text(config: ConfigFile, creation_date: str, directory: str) -> str:
    """The text ``ast_config_text_file_save`` writes when UpdateConfig saves ``config``.

    Renumbers the categories and variables in place, as if the file were read back from disk
    (what the next UpdateConfig starts from)."""
    writer = _Writer(
        ";!\n;! Automatically generated configuration file\n"
        f";! Filename: {config.name} ({directory}/{config.name})\n"
        f";! Generator: Manager\n;! Creation Date: {creation_date}\n;!\n"
    )
    for category in config.categories:
        flags = ["!"] if category.template else []
        flags += category.inherits
        suffix = f"({','.join(flags)})" if flags else ""
        writer.item(category, f"[{category.name}]{suffix}" + (category.sameline or "\n"))
        for variable in category.variables:
            if variable.inherited:
                continue
            sign = "=>" if variable.object else "="
            line = f"{variable.key} {sign} {variable.value.replace(';', chr(92) + ';')}"
            if is_comment(variable):  # its line reads back as a comment of the next item
                writer.comment(variable, line + "\n")
                continue
            writer.item(
                variable, f"{line}  {variable.sameline}" if variable.sameline else line + "\n"
            )
        category.variables[:] = [v for v in category.variables if not is_comment(v)]
    return writer.finish(config.includes)


def is_comment(variable: Variable) -> bool:
    """A variable whose name starts with ``;``: config.c writes names verbatim, so its line
    is a comment once the file is read again (how UpdateConfig can write a comment)."""
    return variable.key.startswith(";")

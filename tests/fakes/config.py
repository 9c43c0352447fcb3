"""Asterisk configuration files as the fake keeps them: categories of ordered variables.

Models what the transcripts show of Asterisk's config engine: ``GetConfig`` numbering (a main
file lists the categories of its included files too) and the ``UpdateConfig`` actions applied
in order to a copy that is kept only if every one of them succeeded. The file text (comments
included) is read and written by config_text.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tests.fakes.catfilter import matches, option_filter, strsep

MAX_UPDATE_ACTIONS = 100000
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def name_key(name: str) -> str:
    """A category name as config.c compares it (``does_category_match``, ``ast_category_insert``
    and GetConfig's Category all use strcasecmp): ``[Ann]`` is ``ann``. ASCII letters only."""
    return name.translate(_ASCII_FOLD)


@dataclass
class Variable:
    """One ``key = value`` line, with the comments Asterisk keeps around it when saving."""

    key: str
    value: str
    lineno: int = 0  # in the file it was read from; 0 when made by UpdateConfig
    precomments: str = ""  # comment (and following blank) lines before it, newlines included
    sameline: str = ""  # ``;comment\n`` after the value on the same line
    trailing: str = ""  # comments after it at the end of the file
    object: bool = False  # written ``key => value``
    inherited: bool = False  # copied from a template: not written back


@dataclass
class Category:
    """One ``[name]`` section and its variables, in file order."""

    name: str
    variables: list[Variable] = field(default_factory=list)
    lineno: int = 0
    precomments: str = ""
    sameline: str = ""
    trailing: str = ""
    template: bool = False  # ``[name](!)``: only a source of variables, invisible otherwise
    inherits: tuple[str, ...] = ()  # ``[name](tmpl,...)``

    @property
    def lines(self) -> list[tuple[str, str]]:
        """``(key, value)`` pairs in order (a new list: change ``variables`` instead)."""
        return [(v.key, v.value) for v in self.variables]

    def get(self, key: str) -> str | None:
        """Last value of ``key`` (Asterisk keeps the last one for single-valued options)."""
        found = None
        for variable in self.variables:
            if variable.key == key:
                found = variable.value
        return found

    def copy(self) -> Category:
        variables = [dataclasses.replace(v) for v in self.variables]
        return dataclasses.replace(self, variables=variables)


@dataclass
class ConfigFile:
    """A config file: its own categories and the files it includes (at its end)."""

    name: str
    categories: list[Category] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    text: str = ""
    unsaved: str | None = None  # creation date of an UpdateConfig save not yet written out
    index: dict[str, list[Category]] | None = field(default=None, compare=False, repr=False)

    def by_name(self) -> dict[str, list[Category]]:
        """Categories by ``name_key`` of their name, in order (kept up to date by UpdateConfig)."""
        if self.index is None:
            self.index = {}
            for category in self.categories:
                self.index.setdefault(name_key(category.name), []).append(category)
        return self.index


class UpdateError(Exception):
    """An UpdateConfig action failed; the message is Asterisk's, word for word."""


def getconfig_lines(categories: list[Category], only: str | None = None) -> list[tuple[str, str]]:
    """``Category-NNNNNN`` / ``Templates-NNNNNN`` (what it inherits, when it does) /
    ``Line-NNNNNN-MMMMMM`` headers, as GetConfig answers (its Category header matches names
    ignoring case). Categories are numbered among those answered; with a Category that
    matches none, Asterisk answers Success and the bare line ``No categories found`` (a
    header with an empty name here, written without a colon)."""
    out: list[tuple[str, str]] = []
    wanted = None if only is None else name_key(only)
    chosen = [c for c in categories if wanted is None or name_key(c.name) == wanted]
    for number, category in enumerate(chosen):
        out.append((f"Category-{number:06d}", category.name))
        if category.inherits:
            out.append((f"Templates-{number:06d}", ",".join(category.inherits)))
        for index, (key, value) in enumerate(category.lines):
            out.append((f"Line-{number:06d}-{index:06d}", f"{key}={value}"))
    if wanted is not None and not chosen:
        out.append(("", "No categories found"))
    return out


def getconfig_json(categories: list[Category]) -> str:
    """GetConfigJSON's object, duplicate keys included (as Asterisk builds it by hand)."""

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    parts = []
    for category in categories:
        body = ",".join(f"{quote(k)}:{quote(v)}" for k, v in category.lines)
        parts.append(f"{quote(category.name)}:{{{body}}}")
    return "{" + ",".join(parts) + "}"


@dataclass(frozen=True)
class UpdateAction:
    """One numbered UpdateConfig action (``Action-NNNNNN`` with its ``Cat-``, ``Var-``, ...)."""

    action: str
    cat: str
    var: str
    value: str
    match: str
    line: str
    options: str


def parse_update_actions(headers: Mapping[str, str]) -> list[UpdateAction]:
    """Read ``Action-000000`` ... until the first missing number, as manager.c does."""
    actions: list[UpdateAction] = []
    for number in range(MAX_UPDATE_ACTIONS):
        suffix = f"{number:06d}"
        action = headers.get(f"Action-{suffix}", "")
        if not action:
            break
        actions.append(
            UpdateAction(
                action=action,
                cat=headers.get(f"Cat-{suffix}", ""),
                var=headers.get(f"Var-{suffix}", ""),
                value=headers.get(f"Value-{suffix}", ""),
                match=headers.get(f"Match-{suffix}", ""),
                line=headers.get(f"Line-{suffix}", ""),
                options=headers.get(f"Options-{suffix}", ""),
            )
        )
    return actions


@dataclass(frozen=True)
class _Options:
    allowdups: bool
    catfilter: str | None  # None: no filter (tests/fakes/catfilter.py)


def _parse_options(options: str) -> _Options:
    """``allowdups`` and ``catfilter="name=value[,name=value]"``, split as manager.c does.

    Only the quoted catfilter works in Asterisk (ami-09): the unquoted form
    ``catfilter=type=aor`` leaves the filter ``type``, which matches no category.
    """
    allowdups = False
    catfilter: str | None = None
    for token in strsep(options, ",") if options.strip() else []:
        if token.lower() == "allowdups":
            allowdups = True
        elif token.startswith("catfilter") and option_filter(token) is not None:
            catfilter = option_filter(token)
    return _Options(allowdups, catfilter)


_AT_THE_END = frozenset({"newcat", "append", "update", "renamecat"})


def save_can_wait(config: ConfigFile, actions: list[UpdateAction]) -> bool:
    """True when one save after these actions writes the text a save before them would have
    led to: they only add at the end of a category or of the file (no ``before`` category,
    no Insert) or change values and names, and the file does not end in a comment (which a
    save hands on to whatever follows). The items keep their line numbers and comments."""
    if not all(
        a.action.lower() in _AT_THE_END and not (a.action.lower() == "newcat" and a.match)
        for a in actions
    ):
        return False
    if not config.categories:
        return True
    last = config.categories[-1]
    for variable in reversed(last.variables):
        if variable.trailing:
            return False
        if not variable.inherited:
            break
    return not last.trailing


class _Work:
    """What an UpdateConfig works on: the file's own category list, changed in place, with
    an undo log that puts everything back when an action fails. The cost of a request is
    that of its actions, whatever the file's size (12000 requests build a 30000-category
    file; one context of 70000 lines is built over thousands of them)."""

    def __init__(self, config: ConfigFile) -> None:
        self.order = config.categories
        self.by_name = config.by_name()
        self.undo: list[Callable[[], None]] = []
        self._saved_order: list[Category] | None = None

    def _structure_changes(self) -> None:
        if self._saved_order is None:
            self._saved_order = list(self.order)

    def rollback(self) -> None:
        for step in reversed(self.undo):
            step()
        if self._saved_order is not None:
            self.order[:] = self._saved_order

    def matching(self, name: str, catfilter: str | None) -> list[Category]:
        """The categories of that name the filter lets through (no filter: non-templates)."""
        found = self.by_name.get(name_key(name), [])
        return [c for c in found if matches(c.lines, c.template, catfilter)]

    def add(self, category: Category, before: str) -> None:
        self._structure_changes()
        anchor = self.by_name.get(name_key(before), []) if before else []
        if anchor:
            first = anchor[0]
            index = next(i for i, c in enumerate(self.order) if c is first)
            self.order.insert(index, category)
        else:
            self.order.append(category)
        self.by_name.setdefault(name_key(category.name), []).append(category)

    def rename(self, category: Category, name: str) -> None:
        old = category.name
        key = name_key(old)
        self.by_name[key] = [c for c in self.by_name[key] if c is not category]
        category.name = name
        self.by_name.setdefault(name_key(name), []).append(category)
        self.undo.append(lambda: setattr(category, "name", old))

    def remove(self, category: Category) -> None:
        self._structure_changes()
        key = name_key(category.name)
        self.by_name[key] = [c for c in self.by_name[key] if c is not category]
        self.order[:] = [c for c in self.order if c is not category]

    def keep_variables(self, category: Category) -> None:
        """Before a change other than adding at the end: the variables as they are now."""
        before = list(category.variables)
        self.undo.append(lambda: category.variables.__setitem__(slice(None), before))

    def append(self, category: Category, variable: Variable) -> None:
        category.variables.append(variable)
        self.undo.append(lambda: _drop_last(category))

    def set_value(self, variable: Variable, value: str) -> None:
        old = (variable.value, variable.inherited)
        variable.value, variable.inherited = value, False
        self.undo.append(lambda: _restore(variable, old))


def _drop_last(category: Category) -> None:
    del category.variables[-1]


def _restore(variable: Variable, old: tuple[str, bool]) -> None:
    variable.value, variable.inherited = old


def apply_updates(config: ConfigFile, actions: list[UpdateAction]) -> None:
    """Apply actions to ``config``'s categories in place, all or nothing: on UpdateError every
    change made so far is undone (same objects, same order) before it propagates."""
    work = _Work(config)
    try:
        for action in actions:
            _apply_one(work, action)
    except UpdateError:
        work.rollback()
        config.index = None
        raise


def _apply_one(work: _Work, action: UpdateAction) -> None:
    if not action.cat:
        raise UpdateError("Category not specified")
    options = _parse_options(action.options)
    verb = action.action.lower()
    if verb == "newcat":
        if not options.allowdups and work.by_name.get(name_key(action.cat)):
            raise UpdateError("Create category did not complete successfully")
        work.add(Category(action.cat[:79]), action.match)  # config.c: name[80]
        return
    handler = _HANDLERS.get(verb)
    if handler is None:
        raise UpdateError("Unknown action command")
    if verb in ("renamecat",) and not action.value:
        raise UpdateError("Problem with category, value, or line (if required)")
    if verb in ("update", "delete", "append", "insert") and not action.var:
        raise UpdateError("Problem with category, value, or line (if required)")
    targets = work.matching(action.cat, options.catfilter)
    if not targets:
        raise UpdateError("Given category does not exist")
    handler(work, targets, action)


def _rename(work: _Work, targets: list[Category], action: UpdateAction) -> None:
    for category in targets:
        work.rename(category, action.value)


def _delcat(work: _Work, targets: list[Category], action: UpdateAction) -> None:
    for category in targets:
        work.remove(category)


def _emptycat(work: _Work, targets: list[Category], action: UpdateAction) -> None:
    for category in targets:
        work.keep_variables(category)
        category.variables.clear()


def _update(work: _Work, targets: list[Category], action: UpdateAction) -> None:
    """Every target category's first matching variable gets the value (comments stay)."""
    found = False
    for category in targets:
        for variable in category.variables:
            if variable.key == action.var and (not action.match or variable.value == action.match):
                work.set_value(variable, action.value)  # differs from the template now: saved
                found = True
                break
    if not found:
        raise UpdateError("Update did not complete successfully")


def _delete(work: _Work, targets: list[Category], action: UpdateAction) -> None:
    found = False
    for category in targets:
        kept = [
            v
            for v in category.variables
            if not (v.key == action.var and (not action.match or v.value == action.match))
        ]
        if len(kept) != len(category.variables):
            found = True
            work.keep_variables(category)
            category.variables[:] = kept
    if not found:
        raise UpdateError("Delete did not complete successfully")


def _append(work: _Work, targets: list[Category], action: UpdateAction) -> None:
    for category in targets:
        obj = action.match.lower() == "object"
        work.append(category, Variable(action.var, action.value, object=obj))


def _insert(work: _Work, targets: list[Category], action: UpdateAction) -> None:
    try:
        position = int(action.line) if action.line else 0
    except ValueError as e:
        raise UpdateError("Problem with category, value, or line (if required)") from e
    for category in targets:
        work.keep_variables(category)
        category.variables.insert(position, Variable(action.var, action.value))


_HANDLERS: dict[str, Callable[[_Work, list[Category], UpdateAction], None]] = {
    "renamecat": _rename,
    "delcat": _delcat,
    "emptycat": _emptycat,
    "update": _update,
    "delete": _delete,
    "append": _append,
    "insert": _insert,
}

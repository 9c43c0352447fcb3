"""The JSON Schemas of the inventory file kinds, and their errors as plain sentences.

The schemas live in ``schemas/`` at the project root (published for editors through the
``# yaml-language-server: $schema=`` header). One validator per file kind; cross-file
``$ref`` are resolved through a ``referencing.Registry``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provisioner.errors import ProvisionerError
from provisioner.inventory.fastschema import Check, Compiler
from provisioner.inventory.yamlparse import Location
from provisioner.inventory.yamlparse import Path as FieldPath
from provisioner.redact import url_shown

if TYPE_CHECKING:  # jsonschema is imported only when there are errors to explain
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError


def _schema_dir() -> Path:
    """``schemas/`` of the source tree (a checkout, an editable install), else the copy a
    regular install puts under ``<prefix>/share/asterisk-gitops/schemas`` (pyproject)."""
    source = Path(__file__).resolve().parents[2] / "schemas"
    installed = Path(sys.prefix) / "share" / "asterisk-gitops" / "schemas"
    return source if source.is_dir() or not installed.is_dir() else installed


SCHEMA_DIR = _schema_dir()
KINDS: tuple[str, ...] = ("settings", "agents", "phones", "queues")
SHARED = ("common",)
ITEM_DEFS = {"agents": "#/$defs/agent", "phones": "#/$defs/phone", "queues": "#/$defs/queue"}
SENSITIVE_FIELDS = frozenset({"pin", "hash"})  # values never repeated in a message (PIN, token)
_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of fields",
    "null": "empty",
}


@dataclass(frozen=True)
class SchemaError:
    """One schema violation: the path it concerns and how to explain it."""

    path: FieldPath
    error: ValidationError


def _load(name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / f"{name}.schema.json"
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ProvisionerError(f"cannot read the schema {path}: {e}") from e
    return loaded


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    return {name: _load(name) for name in (*KINDS, *SHARED)}


@cache
def _fast_checks() -> dict[str, tuple[Check, Check | None]]:
    """Per kind: the compiled check of a whole file and of one item of its list."""
    compiler = Compiler({f"{n}.schema.json": s for n, s in _schemas().items()})
    checks: dict[str, tuple[Check, Check | None]] = {}
    for kind in KINDS:
        doc = f"{kind}.schema.json"
        item = ITEM_DEFS.get(kind)
        checks[kind] = (compiler.document(doc), compiler.ref(doc, item) if item else None)
    return checks


@cache
def _validators() -> dict[str, Draft202012Validator]:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = _schemas()
    resources = [
        (f"{name}.schema.json", Resource.from_contents(s, default_specification=DRAFT202012))
        for name, s in schemas.items()
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    return {kind: Draft202012Validator(schemas[kind], registry=registry) for kind in KINDS}


@cache
def schema_version() -> str:
    """A digest of every schema file: part of the cache key of a validated file."""
    digest = hashlib.sha256()
    for name in (*KINDS, *SHARED):
        digest.update((SCHEMA_DIR / f"{name}.schema.json").read_bytes())
    return digest.hexdigest()[:16]


def iter_errors(kind: str, data: Any) -> Iterator[SchemaError]:
    """Every schema violation of one file's data, one per offending field.

    The compiled check answers for valid data; ``jsonschema`` explains the rest, and for a
    list of items it only sees the items the compiled check rejected.
    """
    whole, item = _fast_checks()[kind]
    if whole(data):
        return
    items = data.get(kind) if isinstance(data, dict) else None
    if item is None or not isinstance(items, list):
        yield from _explained(kind, data, {})
        return
    bad = [i for i, one in enumerate(items) if not item(one)]
    reduced = {**data, kind: [items[i] for i in bad]}
    yield from _explained(kind, reduced, {j: i for j, i in enumerate(bad)})


def _explained(kind: str, data: Any, indexes: dict[int, int]) -> Iterator[SchemaError]:
    """``jsonschema``'s errors; ``indexes`` maps item positions back to the file's."""
    for item in _jsonschema_errors(kind, data):
        path = item.path
        if indexes and len(path) > 1 and path[0] == kind and isinstance(path[1], int):
            path = (kind, indexes[path[1]], *path[2:])
        yield SchemaError(path, item.error)


def _jsonschema_errors(kind: str, data: Any) -> Iterator[SchemaError]:
    required_seen: set[FieldPath] = set()
    for error in _branch_errors(_validators()[kind].iter_errors(data)):
        if error.validator == "required":
            path = tuple(error.absolute_path)
            if path not in required_seen:
                required_seen.add(path)
                yield SchemaError(path, error)
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            for extra in sorted(k for k in error.instance if k not in allowed):
                yield SchemaError((*error.absolute_path, extra), error)
        else:
            yield SchemaError(tuple(error.absolute_path), error)


def _branch_errors(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """An ``anyOf``/``oneOf`` error is replaced by the errors of the one alternative whose
    type the value has (``agi: [..]`` against "one server or a list of servers" is explained
    item by item), when exactly one alternative has it; otherwise it stays as it is."""
    for error in errors:
        if error.validator not in ("anyOf", "oneOf") or not error.context:
            yield error
            continue
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        fitting = [
            subs
            for subs in branches.values()
            if not any(sub.validator == "type" and not sub.relative_path for sub in subs)
        ]
        if len(fitting) == 1:
            yield from _branch_errors(fitting[0])
        else:
            yield error


def dotted(path: FieldPath) -> str:
    """``("agents", 3, "voice", "nat")`` -> ``agents[3].voice.nat``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _field(path: FieldPath) -> str:
    names = [p for p in path if isinstance(p, str)]
    return names[-1] if names else "the file"


def _shown(path: FieldPath, value: Any) -> str:
    if _field(path) in SENSITIVE_FIELDS:
        return "the value"
    if not isinstance(value, str):
        return repr(value)
    return f"'{url_shown(value)}'"  # a password written into a URL stays out


def explain(item: SchemaError, where: Location) -> str:
    """A plain sentence for one violation (no secret value is ever repeated)."""
    error, path = item.error, item.path
    custom = error.schema.get("errorMessage") if isinstance(error.schema, Mapping) else None
    if isinstance(custom, str):
        return custom
    handler = _EXPLAIN.get(str(error.validator))
    if handler is not None:
        return handler(item, where)
    return f"{_field(path)} is not valid here ({error.validator})"


def _type(item: SchemaError, where: Location) -> str:
    error, path = item.error, item.path
    expected = error.validator_value
    wanted = [expected] if isinstance(expected, str) else list(expected)
    words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
    field = _field(path)
    value = error.instance
    if "string" in wanted and isinstance(value, (int, float)) and not isinstance(value, bool):
        if field == "pin":
            return "this looks like a clear PIN: run `provisioner hash-pin` and paste its output"
        raw = where.raw if where.raw is not None else str(value)
        return f'{field} must be text, not a number: quote it, e.g. "{raw}"'
    if "string" in wanted and isinstance(value, bool):
        return f"{field} must be text: quote it (true/false are read as booleans)"
    if value is None:
        return f"{field} is empty: it must be {words}"
    return f"{field} must be {words}"


def _enum(item: SchemaError, where: Location) -> str:
    del where
    choices = ", ".join(str(c) for c in item.error.validator_value)
    shown = _shown(item.path, item.error.instance)
    if item.path and isinstance(item.path[-1], int):
        return f"{shown} is not allowed in {_field(item.path)}: choose from {choices}"
    return f"{shown} is not a valid {_field(item.path)}: choose one of {choices}"


def _pattern(item: SchemaError, where: Location) -> str:
    del where
    schema, field = item.error.schema, _field(item.path)
    value = item.error.instance
    if field == "pin" and isinstance(value, str) and value.isdigit():
        return "this looks like a clear PIN: run `provisioner hash-pin` and paste its output"
    hint = schema.get("patternErrorMessage", f"it must match {schema.get('pattern')}")
    return f"{_shown(item.path, value)} is not a valid {field}: {hint}"


def _required(item: SchemaError, where: Location) -> str:
    del where
    missing = [m for m in item.error.validator_value if m not in item.error.instance]
    names = ("fields " if len(missing) > 1 else "field ") + ", ".join(missing)
    path = item.path
    if not path:
        owner = "the file"
    elif isinstance(path[-1], str):
        owner = path[-1]
    else:
        kind = str(path[-2]) if len(path) > 1 else "entry"
        owner = "this " + kind.removesuffix("s").replace("_", " ")
    return f"{owner} is missing the required {names}"


def _additional(item: SchemaError, where: Location) -> str:
    del where
    name = str(item.path[-1])
    allowed = sorted(item.error.schema.get("properties", {}))
    close = difflib.get_close_matches(name, allowed, n=1)
    guess = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown field '{name}': {guess}allowed here: {', '.join(allowed)}"


def _bound(item: SchemaError, where: Location) -> str:
    del where
    words = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "more than",
        "exclusiveMaximum": "less than",
    }
    rule = words[str(item.error.validator)]
    return f"{_field(item.path)} must be {rule} {item.error.validator_value}"


def _size(item: SchemaError, where: Location) -> str:
    del where
    rule = {
        "minItems": "at least {} item(s)",
        "maxItems": "at most {} item(s)",
        "minLength": "at least {} character(s)",
        "maxLength": "at most {} character(s)",
        "minProperties": "at least {} field(s)",
        "maxProperties": "at most {} field(s)",
    }[str(item.error.validator)]
    return f"{_field(item.path)} must have {rule.format(item.error.validator_value)}"


def _unique(item: SchemaError, where: Location) -> str:
    del where
    seen: list[Any] = []
    for value in item.error.instance:
        if value in seen:
            return f"{_field(item.path)} lists {_shown(item.path, value)} twice"
        seen.append(value)
    return f"{_field(item.path)} lists an item twice"


def _any_of(item: SchemaError, where: Location) -> str:
    del where
    return f"{_shown(item.path, item.error.instance)} is not a valid {_field(item.path)}"


_EXPLAIN = {
    "type": _type,
    "enum": _enum,
    "pattern": _pattern,
    "required": _required,
    "additionalProperties": _additional,
    "minimum": _bound,
    "maximum": _bound,
    "exclusiveMinimum": _bound,
    "exclusiveMaximum": _bound,
    "minItems": _size,
    "maxItems": _size,
    "minLength": _size,
    "maxLength": _size,
    "minProperties": _size,
    "maxProperties": _size,
    "uniqueItems": _unique,
    "anyOf": _any_of,
    "oneOf": _any_of,
}

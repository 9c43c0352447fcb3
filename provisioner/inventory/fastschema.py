"""A compiled yes/no check for the subset of JSON Schema the inventory schemas use.

``jsonschema`` explains errors well but costs seconds on 10,000 agents. This module compiles
a schema into plain closures that only answer "valid or not", about ten times faster; the
loader runs ``jsonschema`` only on the items this check rejects, to explain them. A keyword
this compiler does not know makes compilation fail, so the two can never silently disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "$comment",
        "title",
        "description",
        "errorMessage",
        "patternErrorMessage",
        "default",
        "examples",
    }
)
OBJECT_KEYWORDS = frozenset(
    {"properties", "additionalProperties", "required", "minProperties", "maxProperties"}
)


class UnsupportedSchema(Exception):
    """The schema uses a keyword this compiler does not implement."""


def _is_type(value: Any, name: str) -> bool:
    kind = type(value)
    if name == "string":
        return kind is str
    if name == "integer":
        return kind is int or (kind is float and value.is_integer())
    if name == "number":
        return kind is int or kind is float
    if name == "boolean":
        return kind is bool
    if name == "object":
        return kind is dict
    if name == "array":
        return kind is list
    return value is None  # "null"


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    return (type(a) is bool) == (type(b) is bool) and a == b


def _all(checks: Sequence[Check]) -> Check:
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    frozen = tuple(checks)

    def check(value: Any) -> bool:
        for one in frozen:  # noqa: SIM110 - a plain loop is the hot path, all() is slower
            if not one(value):
                return False
        return True

    return check


class Compiler:
    """Compiles schemas of a set of documents named like their ``$ref`` file names."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.documents = documents
        self.refs: dict[tuple[str, str], Check] = {}

    def document(self, name: str) -> Check:
        return self.compile(name, self.documents[name])

    def compile(self, doc: str, schema: Any) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        checks: list[Check] = []
        for keyword, argument in schema.items():
            if keyword in ANNOTATIONS or keyword in GROUPED:
                continue
            builder = _BUILDERS.get(keyword)
            if builder is None:
                raise UnsupportedSchema(f"keyword {keyword!r} in {doc}")
            checks.append(builder(self, doc, schema, argument))
        for keys, group in _GROUPS:
            if keys & schema.keys():
                checks.append(group(self, doc, schema, None))
        return _all(checks)

    def ref(self, doc: str, reference: str) -> Check:
        target, _, pointer = reference.partition("#")
        target = target or doc
        key = (target, pointer)
        if key not in self.refs:
            cell: list[Check] = []
            self.refs[key] = lambda value: cell[0](value)  # allows recursive schemas
            node: Any = self.documents[target]
            for part in (p for p in pointer.split("/") if p):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            cell.append(self.compile(target, node))
        return self.refs[key]

    def object_check(self, doc: str, schema: Mapping[str, Any]) -> Check:
        props = {k: self.compile(doc, s) for k, s in schema.get("properties", {}).items()}
        extra_schema = schema.get("additionalProperties", True)
        extra: Check | None = None if extra_schema is True else self.compile(doc, extra_schema)
        required = tuple(schema.get("required", ()))
        low = schema.get("minProperties", 0)
        high = schema.get("maxProperties")

        def check(value: Any) -> bool:
            if type(value) is not dict:
                return True
            for key, item in value.items():
                one = props.get(key)
                if one is None:
                    if extra is not None and not extra(item):
                        return False
                elif not one(item):
                    return False
            for name in required:
                if name not in value:
                    return False
            return len(value) >= low and (high is None or len(value) <= high)

        return check


Builder = Callable[[Compiler, str, Mapping[str, Any], Any], Check]


def _ref(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    return compiler.ref(doc, argument)


def _type(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    names = (argument,) if isinstance(argument, str) else tuple(argument)
    exact = {"string": str, "boolean": bool, "object": dict, "array": list}
    if len(names) == 1 and names[0] in exact:
        wanted = exact[names[0]]
        return lambda value: type(value) is wanted
    return lambda value: any(_is_type(value, n) for n in names)


def _enum(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    choices = tuple(argument)
    return lambda value: any(_same(value, c) for c in choices)


def _const(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    return lambda value: _same(value, argument)


def _pattern(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    search = re.compile(argument).search
    return lambda value: type(value) is not str or search(value) is not None


def _length(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    return lambda v: type(v) is not str or (len(v) >= low and (high is None or len(v) <= high))


def _bounds(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    low, high = schema.get("minimum"), schema.get("maximum")
    xlow, xhigh = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")

    def check(v: Any) -> bool:
        if type(v) is not int and type(v) is not float:
            return True
        return (
            (low is None or v >= low)
            and (high is None or v <= high)
            and (xlow is None or v > xlow)
            and (xhigh is None or v < xhigh)
        )

    return check


def _unique(items: list[Any]) -> bool:
    try:
        return len({(type(i) is bool, i) for i in items}) == len(items)
    except TypeError:  # lists or mappings in the list: compare pairwise
        pass
    seen: list[Any] = []
    for item in items:
        if any(_same(item, s) for s in seen):
            return False
        seen.append(item)
    return True


def _items(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    one = compiler.compile(doc, argument)

    def check(value: Any) -> bool:
        if type(value) is not list:
            return True
        for item in value:  # noqa: SIM110 - hot path
            if not one(item):
                return False
        return True

    return check


def _array_size(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    low, high = schema.get("minItems", 0), schema.get("maxItems")
    unique = schema.get("uniqueItems", False)

    def check(v: Any) -> bool:
        if type(v) is not list:
            return True
        if len(v) < low or (high is not None and len(v) > high):
            return False
        return not unique or _unique(v)

    return check


def _any_of(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    options = tuple(compiler.compile(doc, s) for s in argument)
    return lambda value: any(o(value) for o in options)


def _one_of(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    options = tuple(compiler.compile(doc, s) for s in argument)
    return lambda value: sum(1 for o in options if o(value)) == 1


def _all_of(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    return _all([compiler.compile(doc, s) for s in argument])


_BUILDERS: dict[str, Builder] = {
    "$ref": _ref,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "items": _items,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "allOf": _all_of,
}


def _object(compiler: Compiler, doc: str, schema: Mapping[str, Any], argument: Any) -> Check:
    return compiler.object_check(doc, schema)


# Keywords that work together, compiled once per schema that has any of them.
_GROUPS: tuple[tuple[frozenset[str], Builder], ...] = (
    (frozenset({"minLength", "maxLength"}), _length),
    (frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}), _bounds),
    (frozenset({"minItems", "maxItems", "uniqueItems"}), _array_size),
    (frozenset(OBJECT_KEYWORDS), _object),
)
GROUPED = frozenset().union(*(keys for keys, _ in _GROUPS))

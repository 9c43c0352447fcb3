"""The compiled schema check agrees with jsonschema on valid data and on broken variants."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from provisioner.inventory import schema
from provisioner.inventory.fastschema import Compiler, UnsupportedSchema
from provisioner.inventory.yamlparse import YamlSyntaxError, parse

from .conftest import EXAMPLE, FIXTURES

WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    "x",
    "",
    [],
    ["ulaw", "ulaw"],
    {},
    {"x": 1},
)


def _files() -> Iterator[tuple[str, Any]]:
    for root in (EXAMPLE, *sorted(p for p in FIXTURES.iterdir() if p.is_dir())):
        for path in sorted(root.rglob("*.yaml")):
            kind = path.parent.name if path.parent.name in schema.KINDS else path.stem
            if kind in schema.KINDS:
                try:
                    yield kind, parse(path.read_bytes()).data
                except YamlSyntaxError:  # broken YAML fixtures have no data to compare
                    continue


def _variants(data: Any) -> Iterator[Any]:
    """``data`` with one leaf or container at a time replaced by a wrong value."""
    yield data
    if isinstance(data, dict):
        for key, value in data.items():
            for variant in _variants(value):
                yield {**data, key: variant}
            for wrong in WRONG_VALUES:
                yield {**data, key: wrong}
        yield {**data, "typo": 1}
    elif isinstance(data, list) and data:
        for variant in _variants(data[0]):
            yield [variant, *data[1:]]


def _agrees(kind: str, data: Any) -> bool:
    whole, _item = schema._fast_checks()[kind]
    slow = schema._validators()[kind].is_valid(data)
    return whole(copy.deepcopy(data)) == slow


def test_compiled_check_agrees_with_jsonschema() -> None:
    compared = 0
    for kind, data in _files():
        for variant in _variants(data):
            assert _agrees(kind, variant), (kind, variant)
            compared += 1
    assert compared > 4000


def test_unknown_keyword_refuses_to_compile() -> None:
    compiler = Compiler({"x.json": {"type": "string", "format": "ipv4"}})
    with pytest.raises(UnsupportedSchema, match="format"):
        compiler.document("x.json")


def test_item_errors_keep_their_position_in_the_file() -> None:
    pin = "pbkdf2_sha256$60000$" + "QUFBQUFBQUFBQUFBQUFBQQ==$" + "QkJC" * 10 + "QkI="
    good = {"id": "a", "name": "A", "extension": "100", "pin": pin}
    data = {"agents": [good, good, {**good, "extension": 7}, good]}
    errors = list(schema.iter_errors("agents", data))
    assert [e.path for e in errors] == [("agents", 2, "extension")]

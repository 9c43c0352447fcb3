"""The published schemas: documented, strict, and referenced correctly by the example."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provisioner.inventory.schema import SCHEMA_DIR

from .conftest import EXAMPLE

SCHEMAS = sorted(SCHEMA_DIR.glob("*.schema.json"))


def _objects(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from _objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{where}/{i}")


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_property_is_described_and_objects_are_closed(path: Path) -> None:
    schema = json.loads(path.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for where, node in _objects(schema, path.name):
        assert node.get("additionalProperties") is False, where
        for name, prop in node["properties"].items():
            assert prop.get("description"), f"{where}/properties/{name}"


def test_example_files_point_editors_at_their_schema() -> None:
    files = sorted(EXAMPLE.rglob("*.yaml"))
    assert files
    for path in files:
        first = path.read_text().splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        target = (path.parent / first.removeprefix(prefix)).resolve()
        kind = path.parent.name if path.parent != EXAMPLE else path.stem
        assert target == SCHEMA_DIR / f"{kind}.schema.json", path

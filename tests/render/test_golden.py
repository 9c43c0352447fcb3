"""Golden files: inventories render to committed expected text.

Regenerate after an intended change with ``GITOPS_UPDATE_GOLDEN=1 python3 -m pytest
tests/render/test_golden.py`` and review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provisioner.inventory import load_inventory
from provisioner.model import Inventory
from provisioner.render import render
from provisioner.render.objects import MANAGED_FILES
from provisioner.render.text import parse, split_by_file, to_text
from tests.render.sample import FAKE_PREFIX, fake_secret, inventory

GOLDEN = Path(__file__).parent / "golden"
EXAMPLE = Path(__file__).parent.parent.parent / "inventory"
UPDATE = os.environ.get("GITOPS_UPDATE_GOLDEN") == "1"


def _example() -> Inventory:
    if not (EXAMPLE / "settings.yaml").exists():
        pytest.skip("the example inventory has not landed yet")
    return load_inventory(EXAMPLE, use_cache=False)


def _check_golden(name: str, inv: Inventory) -> None:
    files = split_by_file(render(inv, fake_secret))
    for file in MANAGED_FILES:
        text = to_text(file, files[file])
        path = GOLDEN / name / file
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        assert path.read_text() == text, f"{path} differs (GITOPS_UPDATE_GOLDEN=1 regenerates)"
        assert parse(file, text) == files[file]
        secret_lines = [line for line in text.splitlines() if FAKE_PREFIX in line]
        assert all(line.startswith("password=") for line in secret_lines)


def test_sample_inventory_matches_its_golden_files() -> None:
    _check_golden("sample", inventory())


def test_example_inventory_matches_its_golden_files() -> None:
    _check_golden("example", _example())


def test_every_server_of_the_example_renders() -> None:
    inv = _example()
    for server in inv.settings.servers:
        assert render(inv.for_server(server), fake_secret)

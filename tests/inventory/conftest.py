"""Shared helpers of the inventory tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.errors import InventoryError, Problem
from provisioner.inventory import load_inventory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inventory"
EXAMPLE = Path(__file__).resolve().parents[2] / "inventory"


def problems_of(root: Path) -> list[Problem]:
    """Every problem ``load_inventory`` reports for ``root`` (no cache)."""
    with pytest.raises(InventoryError) as caught:
        load_inventory(root, use_cache=False)
    return caught.value.problems

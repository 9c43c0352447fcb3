"""What the renderer cannot render correctly, reported as inventory problems.

``provisioner validate`` runs these checks after the schema and cross-reference checks, so
anything the renderer would refuse is reported with its file and line before any plan.
"""

from __future__ import annotations

from provisioner.errors import Problem
from provisioner.model import Inventory


def check(inventory: Inventory) -> list[Problem]:
    """Every problem that would stop ``inventory`` from rendering (filled in by render)."""
    del inventory
    return []

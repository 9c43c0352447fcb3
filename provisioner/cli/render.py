"""`provisioner render` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse
from typing import Any

from provisioner.errors import ProvisionerError


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("render", help="(not yet available)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise ProvisionerError("'render' is not available yet")

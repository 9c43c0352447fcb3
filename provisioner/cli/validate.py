"""`provisioner validate`: check the inventory, print every problem, exit 0 (valid) or 1."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from provisioner.errors import InventoryError, Problem
from provisioner.inventory import load_inventory
from provisioner.inventory.secrets import missing_secrets
from provisioner.model import Inventory

FORMATS = ("text", "json", "github")


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="check the inventory and report every problem with file, line and field",
        description="Schema, cross-reference, render and secret checks of the inventory. "
        "Exit 0 when valid, 1 when not.",
    )
    p.add_argument("--inventory", default="inventory", metavar="DIR", help="inventory directory")
    p.add_argument("--ref", metavar="GITREV", help="read the inventory at this git revision")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument("--no-cache", action="store_true", help="do not use the parse cache")
    p.add_argument(
        "--skip-secrets",
        action="store_true",
        help="do not check that every SIP password can be resolved (e.g. CI without secrets)",
    )
    p.set_defaults(run=run)


def _escape(text: str, in_property: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if in_property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_line(problem: Problem) -> str:
    """A GitHub workflow annotation for one problem."""
    props = [f"file={_escape(problem.file, True)}"]
    if problem.line > 0:
        props += [f"line={problem.line}", f"col={max(problem.column, 1)}"]
    props.append(f"title={_escape(problem.path or 'inventory', True)}")
    return f"::error {','.join(props)}::{_escape(problem.message)}"


def render_problems(problems: Sequence[Problem], fmt: str) -> list[str]:
    """The output lines for ``problems`` in one of FORMATS."""
    if fmt == "json":
        return [json.dumps([asdict(p) for p in problems], indent=2)]
    if fmt == "github":
        return [github_line(p) for p in problems]
    lines = [str(p) for p in problems]
    files = len({p.file for p in problems})
    if problems:
        lines.append(f"{len(problems)} problem(s) in {files} file(s)")
    return lines


def _summary(inventory: Inventory, root: str) -> str:
    return (
        f"{root} is valid: {len(inventory.agents)} agents, {len(inventory.phones)} phones, "
        f"{len(inventory.queues)} queues (revision {inventory.revision})"
    )


def run(args: argparse.Namespace) -> int:
    inventory: Inventory | None = None
    try:
        inventory = load_inventory(Path(args.inventory), args.ref, use_cache=not args.no_cache)
        root, ref = Path(args.inventory), args.ref
        problems = [] if args.skip_secrets else missing_secrets(inventory, root=root, ref=ref)
    except InventoryError as e:
        problems = e.problems
    for line in render_problems(problems, args.format):
        print(line)
    if inventory is not None and not problems and args.format == "text":
        print(_summary(inventory, args.inventory))
    return 1 if problems else 0

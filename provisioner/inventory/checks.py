"""Every cross-reference check, listed explicitly, run in one pass over the context."""

from __future__ import annotations

from collections.abc import Callable

from provisioner.inventory.context import Context, Finding

Check = Callable[[Context], list[Finding]]

CHECKS: tuple[Check, ...] = ()


def run_all(context: Context) -> list[Finding]:
    """The findings of every check, in check order."""
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(context))
    return findings

"""The provisioner's exception family.

Each subsystem raises its own subclass where the problem is detected (``raise ... from e``);
the CLI reports it once, as one sentence, with a non-zero exit code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inventory, located precisely."""

    file: str
    line: int
    column: int
    path: str  # dotted field path, e.g. "agents[3].voice.nat"
    message: str  # a plain sentence

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class ProvisionerError(Exception):
    """Base of every error the provisioner reports to its user."""


class InventoryError(ProvisionerError):
    """The inventory is invalid; carries every problem found in one run."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
        count = len(self.problems)
        first = str(self.problems[0]) if self.problems else "no details"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"the inventory is invalid: {first}{more}")


class SecretError(ProvisionerError):
    """A secret could not be resolved (missing variable, file or master key)."""


class RenderError(ProvisionerError):
    """The model cannot be rendered into configuration Asterisk would accept."""


class TargetError(ProvisionerError):
    """A target could not be read or written (unreachable, refused, missing file, timeout)."""


class PlanError(ProvisionerError):
    """A plan cannot be made, saved, loaded or applied (stale plan, bad plan file)."""


class SafetyError(PlanError):
    """A plan exceeds a safety threshold and needs --force."""


class ApplyError(ProvisionerError):
    """Apply ran but did not leave the target as planned (e.g. read-back verification failed)."""


class DumpError(ProvisionerError):
    """``provisioner dump`` cannot write its inventory (``--out`` unusable, bad options)."""

"""Safety thresholds between plan and apply (octoDNS's): too many updates or deletes at once
is far more often a mistake (a wrong branch, a truncated file) than an intention.

Refuse to update, or to delete, more than a share of the objects the target holds for us
(default 30%), once at least ``min_existing`` (default 10) exist, unless forced.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.errors import SafetyError
from provisioner.plan import Plan


@dataclass(frozen=True)
class Thresholds:
    update_pcent: float = 0.30
    delete_pcent: float = 0.30
    min_existing: int = 10


def violations(plan: Plan, thresholds: Thresholds) -> list[str]:
    """One sentence per threshold the plan exceeds (empty when safe)."""
    existing = plan.existing
    if existing < thresholds.min_existing:
        return []
    _, updates, deletes = plan.counts
    found = []
    for what, count, limit in (
        ("update", updates, thresholds.update_pcent),
        ("delete", deletes, thresholds.delete_pcent),
    ):
        share = count / existing
        if share > limit:
            found.append(
                f"{plan.target}: refusing to {what} {count} of {existing} managed objects: "
                f"{share * 100:.2f}% is over {limit * 100:.2f}% ({count}/{existing}), "
                "use --force if this is intended"
            )
    return found


def check(plan: Plan, thresholds: Thresholds, *, force: bool = False) -> None:
    """Raise SafetyError naming the counts, unless ``force``."""
    found = violations(plan, thresholds)
    if found and not force:
        raise SafetyError("; ".join(found))

"""The bundled example inventory (``inventory/``), copied and pointed at test addresses."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "inventory"
_AGI = re.compile(r"^  agi:\n(?:    .*\n)+", re.MULTILINE)


def copy_example(
    target: Path,
    *,
    agi: Sequence[tuple[str, int]] = (),
    targets: Mapping[str, str] | None = None,
) -> Path:
    """Copy the example to ``target``; ``agi`` replaces settings.agi (one mapping, or a list
    when several), ``targets`` the ``target:`` of the named servers."""
    shutil.copytree(EXAMPLE, target)
    settings = target / "settings.yaml"
    text = settings.read_text()
    if agi:
        if len(agi) == 1:
            block = f"  agi:\n    host: {agi[0][0]}\n    port: {agi[0][1]}\n"
        else:
            block = "  agi:\n" + "".join(f"    - {{host: {h}, port: {p}}}\n" for h, p in agi)
        text, count = _AGI.subn(block, text)
        assert count == 1, "settings.agi not found in the example"
    for server, url in (targets or {}).items():
        pattern = rf"(- name: {re.escape(server)}\n\s+target: )\S+"
        text, count = re.subn(pattern, rf"\g<1>{url}", text)
        assert count == 1, f"server {server} not found in the example"
    settings.write_text(text)
    return target

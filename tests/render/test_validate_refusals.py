"""What the renderer refuses is reported by validation with the file, line and field path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provisioner.errors import InventoryError
from provisioner.inventory import load_inventory

FIXTURES = Path(__file__).parent.parent / "fixtures" / "render"
AGENT_1002_LINE = 7  # every refused-* fixture declares the faulty agent 1002 at line 7


@pytest.mark.parametrize(
    ("mode", "field"),
    [
        ("refused-nat-combination", "voice.nat"),
        ("refused-srtp-over-udp", "voice.encryption"),
        ("refused-webrtc-mixed", "voice.transports"),
        ("refused-mobile-without-trunk", "mobile"),
        ("refused-user-rung-internally", "voice.type"),
    ],
)
def test_refusals_name_file_line_and_field(mode: str, field: str, tmp_path: Path) -> None:
    root = Path(shutil.copytree(FIXTURES / mode, tmp_path / mode))
    with pytest.raises(InventoryError) as caught:
        load_inventory(root, use_cache=False)
    found = [p for p in caught.value.problems if p.path.endswith(field)]
    assert found, [str(p) for p in caught.value.problems]
    assert all(p.file.endswith("agents.yaml") for p in found)
    assert all(p.line >= AGENT_1002_LINE for p in found)
    assert "1002" in found[0].path or "agents[1]" in found[0].path

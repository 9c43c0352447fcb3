"""Hand-written configurations dumped into an inventory and a report, compared with the
expected ones under tests/fixtures/dump/<case>/expected.

Each case is ``etc/`` (an Asterisk config directory as people write it), optional ``args``
(more ``provisioner dump`` arguments) and either ``expected/`` or, for a configuration
Asterisk itself refuses, ``error`` (the one sentence on stderr; nothing may be written).
Regenerate after an intended change with
``GITOPS_UPDATE_GOLDEN=1 python3 -m pytest tests/dump/test_fixtures.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from provisioner.cli import main
from provisioner.inventory import load_inventory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dump"
CASES = sorted(d.name for d in FIXTURES.iterdir() if not (d / "error").exists())
REFUSED = sorted(d.name for d in FIXTURES.iterdir() if (d / "error").exists())
UPDATE = os.environ.get("GITOPS_UPDATE_GOLDEN") == "1"
_PASSWORD = re.compile(r"^\s*(?:password|md5_cred)\s*=\s*([^;\s]+)", re.MULTILINE)


def dumped(case: str, out: Path) -> dict[str, str]:
    root = FIXTURES / case
    extra = (root / "args").read_text().split() if (root / "args").exists() else []
    assert main(["dump", "--target", f"dir:{root / 'etc'}", "--out", str(out), *extra]) == 0
    return {
        p.relative_to(out).as_posix(): p.read_text().replace(str(root / "etc"), "ETC")
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def passwords(case: str) -> set[str]:
    etc = FIXTURES / case / "etc"
    return {m for p in etc.rglob("*.conf") for m in _PASSWORD.findall(p.read_text())}


@pytest.mark.parametrize("case", CASES)
def test_a_hand_written_configuration_dumps_to_the_expected_inventory_and_report(
    case: str, tmp_path: Path
) -> None:
    produced = dumped(case, tmp_path / "out")
    expected_dir = FIXTURES / case / "expected"
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for name, text in produced.items():
            (expected_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / name).write_text(text)
    expected = {
        p.relative_to(expected_dir).as_posix(): p.read_text()
        for p in sorted(expected_dir.rglob("*"))
        if p.is_file()
    }
    assert produced == expected


@pytest.mark.parametrize("case", CASES)
def test_the_dump_is_a_valid_inventory_without_a_password(case: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    produced = dumped(case, out)
    inventory = load_inventory(out, use_cache=False)
    assert inventory.agents or inventory.phones
    secrets = passwords(case)
    assert secrets
    for name, text in produced.items():
        assert not [s for s in secrets if s in text], f"a password is in {name}"


@pytest.mark.parametrize("case", REFUSED)
def test_a_configuration_asterisk_refuses_is_one_error_and_nothing_is_written(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = FIXTURES / case
    out = tmp_path / "out"
    assert main(["dump", "--target", f"dir:{root / 'etc'}", "--out", str(out)]) == 1
    err = capsys.readouterr().err.replace(str(root / "etc"), "ETC")
    assert err == (root / "error").read_text()
    assert list(tmp_path.iterdir()) == []  # neither --out nor a staging directory

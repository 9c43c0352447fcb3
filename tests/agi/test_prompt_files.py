"""The shipped prompts: present in the package, reproducible from their texts, installable."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agi import prompts
from agi.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
GSM_FRAME = 33  # bytes of one 20 ms GSM 06.10 frame


def test_every_shipped_prompt_is_in_the_package_as_gsm() -> None:
    files = prompts.shipped_files()
    assert set(files) == set(prompts.SHIPPED)
    for name, path in files.items():
        data = path.read_bytes()
        assert len(data) >= 25 * GSM_FRAME, f"{name}: under half a second"
        assert len(data) % GSM_FRAME == 0, f"{name}: not whole GSM frames"


def test_stock_and_shipped_prompts_are_distinct() -> None:
    assert not set(prompts.STOCK) & set(prompts.SHIPPED)
    assert all(name.startswith(f"{prompts.FAMILY}/") for name in prompts.SHIPPED)


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are needed to make the prompts (apt-get install espeak-ng sox)",
)
def test_the_shipped_prompts_are_what_the_script_makes_from_the_texts() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_prompts.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_install_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    assert main(["install-prompts", "--sounds-dir", str(sounds), "--check"]) == 1
    assert f"missing or not current: {sounds}/gitops/paused.gsm" in capsys.readouterr().out
    assert main(["install-prompts", "--sounds-dir", str(sounds)]) == 0
    out = capsys.readouterr().out
    assert out.endswith(f"{len(prompts.SHIPPED)} prompt(s) installed, 0 current\n")
    for name, source in prompts.shipped_files().items():
        assert (sounds / f"{name}.gsm").read_bytes() == source.read_bytes()
    assert main(["install-prompts", "--sounds-dir", str(sounds)]) == 0
    assert capsys.readouterr().out == f"0 prompt(s) installed, {len(prompts.SHIPPED)} current\n"
    (sounds / "gitops" / "paused.gsm").write_bytes(b"old")
    assert prompts.missing(sounds) == ["gitops/paused"]
    assert main(["install-prompts", "--sounds-dir", str(sounds), "--check"]) == 1
    assert main(["install-prompts", "--sounds-dir", str(sounds)]) == 0
    assert prompts.missing(sounds) == []


def test_install_into_a_missing_directory_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-sounds"
    assert main(["install-prompts", "--sounds-dir", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"error: {missing} is not a directory (Asterisk's sounds directory?)\n"
    )
    assert not missing.exists()


def test_serving_still_needs_an_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--listen", "127.0.0.1:4573"])
    assert exit_info.value.code == 2
    assert "--inventory" in capsys.readouterr().err

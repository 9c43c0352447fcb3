"""A managed file holding characters Python reads as line breaks (written by an older release,
or by hand) is read as Asterisk reads it: plans and applies keep working and repair it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reconciler.cli_helpers import Cli, start


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    cli = start(Cli, tmp_path, capsys, monkeypatch, "basic")
    assert cli("apply", "--auto-approve").code == 0
    return cli


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x0c", "\r"])
def test_a_value_holding_a_unicode_line_separator_is_repaired(cli: Cli, char: str) -> None:
    path = cli.config / "pjsip_gitops.conf"
    text = path.read_text()
    assert 'callerid="Ann Smith" <1001>' in text
    path.write_bytes(text.replace('"Ann Smith"', f'"Ann{char}Smith"').encode())
    plan = cli("plan")
    assert plan.code == 0, plan.err
    assert "~ pjsip_gitops.conf: endpoint '1001'" in plan.out
    assert cli("apply", "--auto-approve").code == 0
    assert cli("plan", "--detailed-exitcode").code == 0
    assert 'callerid="Ann Smith" <1001>' in path.read_text()


def test_a_file_saved_with_crlf_line_ends_reads_as_the_same_objects(cli: Cli) -> None:
    path = cli.config / "queues_gitops.conf"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert cli("plan", "--detailed-exitcode").code == 0

"""``asterisk-gitops-agi``'s usability: a --help that describes every option with its
default, and a failed bind that names the address."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from agi.__main__ import build_parser, main
from tests.example import EXAMPLE, copy_example

OPTIONS_WITH_DEFAULTS = {
    "--listen HOST:PORT": "(default: 127.0.0.1:4573)",
    "--max-sessions N": "(default: 1000)",
    "--idle-timeout S": "(default: 60.0)",
    "--env-timeout S": "(default: 2.0)",
    "--shutdown-grace S": "(default: 10.0)",
    "--reload-interval S": "(default: 2.0)",
    "--server NAME": "(default: all servers)",
    "--debug": "(default: off)",
}


def help_entries() -> dict[str, str]:
    """The options section of --help as {option column: its help text, unwrapped}."""
    text = build_parser().format_help().split("options:", 1)[1].split("\nother commands:")[0]
    entries: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            current, _, rest = line.strip().partition("  ")
            entries[current] = rest.strip()
        elif line.strip():
            entries[current] = f"{entries[current]} {line.strip()}".strip()
    return entries


def test_help_describes_every_option_with_its_default() -> None:
    entries = help_entries()
    for option, default in OPTIONS_WITH_DEFAULTS.items():
        assert option in entries, option
        assert entries[option].endswith(default), (option, entries[option])
        assert len(entries[option]) > len(default) + 10, f"{option} has no sentence"
    assert "required" in entries["--inventory DIR"]
    assert "inventory checkout" in entries["--inventory DIR"]


def test_help_description_is_plain_text() -> None:
    text = build_parser().format_help()
    assert "``" not in text
    assert "FastAGI server" in text


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port of 127.0.0.1 another socket is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield int(holder.getsockname()[1])


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example inventory is not in this tree")
def test_failed_bind_names_the_address_and_what_to_check(
    taken_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listen = f"127.0.0.1:{taken_port}"
    root = copy_example(tmp_path / "inventory", agi=[("127.0.0.1", taken_port)])
    assert main(["--inventory", str(root), "--listen", listen]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"error: cannot listen on {listen}: Address already in use; --listen must be an"
        " address of this host and match settings.agi in the inventory\n"
    )


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--idle-timeout", "nan"),
        ("--idle-timeout", "inf"),
        ("--idle-timeout", "0"),
        ("--idle-timeout", "-1"),
        ("--env-timeout", "nan"),
        ("--env-timeout", "0"),
        ("--shutdown-grace", "nan"),
        ("--shutdown-grace", "-1"),
        ("--reload-interval", "nan"),
        ("--reload-interval", "inf"),
        ("--max-sessions", "0"),
    ],
)
def test_a_number_out_of_range_is_refused_before_starting(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--inventory", str(EXAMPLE), "--listen", "127.0.0.1:0", option, value])
    assert exited.value.code == 2
    assert f"argument {option}: {value!r} is not" in capsys.readouterr().err

"""The directory target's parser reads a managed file as the real Asterisk does (config.c):
a line ends at "\\n" only, "\\r" and U+2028 are characters, bytes below 33 are stripped at
both ends, a line of 8191 bytes or more is skipped. Checked against GetConfig, which shows
what Asterisk read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provisioner.render.objects import QUEUES_FILE
from provisioner.render.text import parse
from provisioner.targets.ami.client import Action, AmiClient
from tests.fakes.asterisk import FakeAsterisk
from tests.real.sandbox import AMI_SECRET, AMI_USER, Sandbox

ODD = (
    "\ufeff; a byte order mark first\r\n"
    "[q-lines]\r\n"
    "k1=ringall\r\n"
    "k2=a\u2028b\u2029c\n"
    "k3=x\x85y\n"
    "k4=\tc\x0bd \x1f\n"
    "k5=3\x0c4\x1c5\x1d6\x1e7\n"
    "k6=mid\rdle\n"
    "k7 = spaced  ;comment\n"
    "k8=jazz\u00a0\n"
    "k11 => >gt\n"  # what to_text writes for a value starting with '>'
    "k12=>object\n"  # '=>': the '>' is skipped
    "[q-long]\n"
    f"k9={'x' * 8200}\n"
    "k10=after\n"
)


@pytest.fixture
def queues_file(sandbox: Sandbox) -> Iterator[None]:
    path = sandbox.managed_file(QUEUES_FILE)
    before = path.read_bytes()
    path.write_bytes(ODD.encode())
    try:
        yield
    finally:
        path.write_bytes(before)


def _categories(lines: list[tuple[str, str]]) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    result: list[tuple[str, list[tuple[str, str]]]] = []
    for key, value in lines:
        if key.startswith("Category-"):
            result.append((value, []))
        elif key.startswith("Line-"):
            name, _, option = value.partition("=")
            result[-1][1].append((name, option))
    return [(name, tuple(options)) for name, options in result]


@pytest.mark.usefixtures("queues_file")
def test_the_parser_reads_a_file_as_asterisk_does(sandbox: Sandbox) -> None:
    with AmiClient("127.0.0.1", sandbox.ami_port, AMI_USER, AMI_SECRET) as ami:
        reply = ami.request(Action("GetConfig", (("Filename", QUEUES_FILE),)))
    asterisk = _categories(list(reply.response.headers))
    ours = [(o.name, o.options) for o in parse(QUEUES_FILE, ODD.removeprefix("\ufeff"))]
    assert ours == asterisk
    assert asterisk[0][1][1] == ("k2", "a\u2028b\u2029c")  # not three lines
    assert asterisk[1] == ("q-long", (("k10", "after"),))  # the long line skipped
    fake = FakeAsterisk()
    fake.set_config_text(QUEUES_FILE, ODD.removeprefix("\ufeff"))
    assert [
        (c.name, tuple((v.key, v.value) for v in c.variables))
        for c in fake.files[QUEUES_FILE].categories
    ] == asterisk

"""Reading a large target on the real Asterisk: what it does with a client slow to read.

manager.c writes an answer line by line, each write allowed 100 ms (``writetimeout``); a
session it cannot write to for that long is closed. The AMI target therefore never has a
whole-file ``GetConfig`` answer pending while it parses another one (``AmiTarget._pipeline``).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from provisioner.render.objects import EXTENSIONS_FILE, PJSIP_FILE
from provisioner.targets.ami import AmiTarget
from tests.real.sandbox import AMI_SECRET, Sandbox

AGENTS = 4000


@pytest.fixture
def large(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The managed files of ``AGENTS`` agents (as text: GetConfig reads the file itself),
    put back as they were afterwards."""
    files = {name: sandbox.managed_file(name) for name in (PJSIP_FILE, EXTENSIONS_FILE)}
    before = {name: path.read_text() for name, path in files.items()}
    pjsip = "".join(
        f'[{n}]\ntype=endpoint\ncontext=from-sip\nallow=ulaw\ncallerid="Agent {n}" <{n}>\n'
        f"set_var=GITOPS_MANAGED=agent:{n}\n\n[{n}]\ntype=aor\nmax_contacts=1\n\n"
        for n in range(10000, 10000 + AGENTS)
    )
    lines = "".join(
        f"exten => {n},1,NoOp(gitops agent {n} with a line long enough to weigh)\n"
        f"exten => {n},n,Dial(PJSIP/{n},30)\n"
        for n in range(10000, 10000 + AGENTS * 8)
    )
    files[PJSIP_FILE].write_text(pjsip)
    files[EXTENSIONS_FILE].write_text(f"[gitops-agents]\n{lines}")
    try:
        yield sandbox
    finally:
        for name, path in files.items():
            path.write_text(before[name])


def closed_after_answer(port: int, pause: float) -> bool:
    """Ask for the large answer, read nothing for ``pause`` s, then read: whether Asterisk
    closed the session (end of stream, no Logoff sent) rather than wait for more."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as ami:
        ami.sendall(
            b"Action: Login\r\nUsername: gitops\r\nSecret: gitops-secret\r\nEvents: off\r\n\r\n"
        )
        ami.sendall(
            f"Action: GetConfig\r\nActionID: big\r\nFilename: {EXTENSIONS_FILE}\r\n\r\n".encode()
        )
        time.sleep(pause)  # a client busy elsewhere (parsing another answer)
        ami.settimeout(3)
        try:
            while ami.recv(1 << 20):
                pass
        except TimeoutError:
            return False  # everything read, the session still open
        return True


def test_asterisk_closes_a_session_that_stops_reading_a_large_answer(large: Sandbox) -> None:
    assert not closed_after_answer(large.ami_port, 0)
    assert closed_after_answer(large.ami_port, 1.5)


def test_a_large_target_is_read_whole(large: Sandbox) -> None:
    with AmiTarget(large.ami_url, AMI_SECRET, timeout=30) as target:
        state = target.read()
    kinds = [o.kind for o in state.objects if o.file == PJSIP_FILE]
    assert kinds.count("endpoint") == kinds.count("aor") == AGENTS
    (context,) = [o for o in state.objects if o.file == EXTENSIONS_FILE]
    assert len(context.options) == AGENTS * 16

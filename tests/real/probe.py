"""Scripted FastAGI sessions on the real Asterisk, and the transcripts they are kept as.

``run_probe`` originates a Local channel into the sandbox's ``gitops-probe`` context, whose
``AGI()`` calls a ``ScriptedAgiServer`` (the same one the fake replays use) that sends the
given commands one by one and records every reply. ``hang_up_playing`` hangs the channel up
(AMI ``Hangup``) once Asterisk's log shows the named file playing on it, so a hang-up during a
prompt needs no timing guess. ``AGISTATUS`` is read from the channel's ``VarSet`` event.

Transcripts (``tests/real/transcripts/*.txt``) use the layout of ``../shared/asterisk``:
``<<<``/``>>>`` blocks and ``###`` notes; the last note gives ``AGISTATUS``. The real suite
records them again on every run and compares; ``tests/fakes/test_replay_real_agi.py``
replays them against the fake.
"""

from __future__ import annotations

import itertools
import re
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from provisioner.targets.ami.client import Action
from tests.fakes.agi_script_server import ScriptedAgiServer
from tests.fakes.transcripts import Step, normalize, parse
from tests.real.ami import AmiEvents, event
from tests.real.media import PROBE_CONTEXT
from tests.real.sandbox import AMI_SECRET, AMI_USER, Sandbox, SandboxError

if TYPE_CHECKING:
    from tests.real.center import Center

TRANSCRIPTS = Path(__file__).parent / "transcripts"
STATUS_NOTE = "AGISTATUS: "
_numbers = itertools.count(100)


@dataclass(frozen=True)
class Exchange:
    """One FastAGI session: the environment, each command and its reply, AGISTATUS."""

    env: list[str]
    commands: list[str]
    replies: list[list[str]]
    agistatus: str

    def text(self, title: str, notes: list[str]) -> str:
        lines = [f"### {title}", *(f"### {note}" for note in notes)]
        lines += ["### environment sent by Asterisk on connect", "<<<", *self.env, ""]
        for command, reply in zip(self.commands, self.replies, strict=True):
            lines += [">>>", command, "<<<", *reply]
        lines.append(f"### {STATUS_NOTE}{self.agistatus}")
        return "\n".join(lines) + "\n"

    def normalized_replies(self) -> list[list[str]]:
        return [[normalize(line) for line in reply] for reply in self.replies]


def hang_up_when_playing(
    sandbox: Sandbox, events: AmiEvents, channel: str, sound: str, stop: threading.Event
) -> None:
    """In a thread: hang up the channel whose name starts with ``channel`` once the log says
    Asterisk plays ``sound`` to it (or give up when ``stop`` is set)."""
    start = sandbox.log_size()
    marker = re.compile(rf"<{re.escape(channel)}[^>]*> Playing '{re.escape(sound)}\.")

    def watch() -> None:
        while not stop.is_set():
            if marker.search(sandbox.log_text(start)):
                events.send("Hangup", Channel=f"/^{re.escape(channel)}/")
                return
            stop.wait(0.02)

    threading.Thread(target=watch, name="hang-up-when-playing", daemon=True).start()


def run_probe(center: Center, commands: list[str], hang_up_playing: str | None = None) -> Exchange:
    """Run ``commands`` on a fresh Local channel; with ``hang_up_playing``, hang the channel
    up once Asterisk has started playing that sound file to it (its verbose ``Playing``
    line: AGIExecStart comes before the file is opened, and a channel hung up before that
    makes Playback answer 0, not -1)."""
    exten = str(next(_numbers))
    channel = f"Local/{exten}@{PROBE_CONTEXT}-"
    events = center.events
    stop = threading.Event()
    with ScriptedAgiServer(commands, timeout=30) as server:
        mark = events.mark()
        originate = (
            ("Channel", f"Local/{exten}@{PROBE_CONTEXT}"),
            ("Application", "Wait"),
            ("Data", "30"),
            ("Variable", f"PROBEPORT={server.port}"),
            ("Async", "true"),
        )
        if hang_up_playing is not None:
            hang_up_when_playing(center.sandbox, events, channel, hang_up_playing, stop)
        try:
            center.ami.request(Action("Originate", originate))
            status = events.wait_for(
                lambda m: (
                    event("VarSet", Variable="AGISTATUS")(m)
                    and m.get("Channel").startswith(channel)
                ),
                mark,
                timeout=30,
            )
        finally:
            stop.set()
    if server.error is not None:
        raise SandboxError(f"the probe's FastAGI side failed: {server.error}")
    return Exchange(server.env_lines, commands, server.replies, status.get("Value"))


def read_transcript(path: Path) -> Exchange:
    steps: list[Step] = parse(path.read_text())
    expects = [s for s in steps if s.kind == "expect"]
    sends = [line for s in steps if s.kind == "send" for line in s.lines if line]
    status = [s.text for s in steps if s.kind == "note" and s.text.startswith(STATUS_NOTE)]
    return Exchange(
        env=[line for line in expects[0].lines if line],
        commands=sends,
        replies=[[line for line in s.lines if line] for s in expects[1:]],
        agistatus=status[-1].removeprefix(STATUS_NOTE) if status else "",
    )


AmiStep = tuple[str, dict[str, str]] | str  # (action, headers) to send, or a file to show


def record_ami(sandbox: Sandbox, title: str, steps: list[AmiStep]) -> str:
    """An AMI session on the sandbox as a transcript in the layout of ``../shared/asterisk``
    (``>>> ``/``<<< `` lines, a file's text between ``---- NAME on disk ----`` and
    ``---- end ----``); the sandbox's ``etc`` path is shown as ``ASTDIR/etc``, as the fake's."""
    lines = [f"### {title}"]
    with socket.create_connection(("127.0.0.1", sandbox.ami_port), timeout=10) as sock:
        reader = sock.makefile("rb")

        def message() -> list[str]:
            got: list[str] = []
            while True:
                line = reader.readline().decode().removesuffix("\n").removesuffix("\r")
                got.append(line)
                if line == "" or not got:
                    return got

        lines.append(f"<<< {reader.readline().decode().rstrip()}")
        login = {"Username": AMI_USER, "Secret": AMI_SECRET, "Events": "off"}
        for number, step in enumerate([("Login", login), *steps], start=1):
            if isinstance(step, str):
                text = (sandbox.etc / step).read_text().replace(str(sandbox.etc), "ASTDIR/etc")
                lines += [f"---- {step} on disk ----", *text.splitlines(), "---- end ----"]
                continue
            action, headers = step
            sent = [f"Action: {action}", f"ActionID: r-{number}"]
            sent += [f"{key}: {value}" for key, value in headers.items()]
            sock.sendall(("\r\n".join(sent) + "\r\n\r\n").encode())
            lines += [f">>> {line}" for line in sent] + [""]
            lines += [f"<<< {line}" if line else "" for line in message()]
    return "\n".join(lines) + "\n"

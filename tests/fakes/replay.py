"""Replay a transcript against the fakes and compare the answers line by line.

AMI: the client side is sent to a FakeAmiServer over TCP; each server message is read back
(exactly as many lines as the transcript shows) and compared after masking per-run values.
AGI: a scripted FastAGI server sends the transcript's commands to a FakeAgiCall; the
environment and each reply are compared the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes.agi_client import FakeAgiCall
from tests.fakes.agi_script_server import ScriptedAgiServer
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.transcripts import Step, normalize, parse, split_messages
from tests.fakes.wire import WireClient

Trigger = tuple[str, Callable[[], None]]


@dataclass
class Comparison:
    """Expected and actual (normalized) lines per compared unit, labelled for failures."""

    pairs: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    def add(self, label: str, expected: Sequence[str], actual: Sequence[str]) -> None:
        self.pairs.append((label, [normalize(x) for x in expected], [normalize(x) for x in actual]))

    def mismatches(self) -> list[tuple[str, list[str], list[str]]]:
        return [(label, e, a) for label, e, a in self.pairs if e != a]

    def report(self) -> str:
        """A unified diff (transcript -> fake) per mismatching unit; empty when all match."""
        parts = []
        for label, expected, actual in self.mismatches():
            diff = difflib.unified_diff(expected, actual, "transcript", "fake", lineterm="")
            parts.append(f"== {label}\n" + "\n".join(diff))
        return "\n".join(parts)


def ami_message(lines: Sequence[str]) -> str:
    body = list(lines)
    while body and body[-1] == "":
        body.pop()
    return "\r\n".join(body) + "\r\n\r\n"


def replay_ami(path: Path, server: FakeAmiServer, triggers: Sequence[Trigger] = ()) -> Comparison:
    """Replay an ami-*.txt; ``triggers`` run, in order, before the first expected message
    starting with their line (the events a SIP phone causes, which no client action sends)."""
    pending = list(triggers)
    result = Comparison()
    with WireClient(server.host, server.port) as client:
        for number, step in enumerate(parse(path.read_text())):
            if step.kind == "send":
                client.send(ami_message(step.lines))
            elif step.kind == "expect":
                for message in split_messages(step.lines):
                    if pending and message[0] == pending[0][0]:
                        pending.pop(0)[1]()
                    actual = client.read_lines(len(message))
                    result.add(f"step {number}: {message[0]}", message, actual)
            elif step.kind == "file":
                text = server.asterisk.config_text(step.text)
                result.add(f"step {number}: file {step.text}", step.lines, text.splitlines())
        result.add("nothing more was sent", [], _leftover(client))
    return result


def _leftover(client: WireClient) -> list[str]:
    """Lines the server sent beyond the transcript (read briefly; end of stream is fine)."""
    client.timeout = 0.05
    extra: list[str] = []
    try:
        while (line := client.read_line()) is not None:
            extra.append(line)
    except OSError:  # TimeoutError included: nothing more arrived
        return extra
    return extra


def agi_commands(steps: Sequence[Step]) -> list[str]:
    return [line for step in steps if step.kind == "send" for line in step.lines if line]


def replay_agi(path: Path, call: FakeAgiCall) -> Comparison:
    """Replay an agi-*.txt: our scripted server plays the FastAGI side, the fake answers."""
    steps = parse(path.read_text())
    expects = [s for s in steps if s.kind == "expect"]
    with ScriptedAgiServer(agi_commands(steps)) as server:
        call.run(server.host, server.port)
    result = Comparison()
    env = [line for line in expects[0].lines if line]
    result.add("environment", env, server.env_lines)
    for number, (expected, actual) in enumerate(zip(expects[1:], server.replies, strict=True)):
        result.add(f"reply {number + 1}", [x for x in expected.lines if x], actual)
    return result

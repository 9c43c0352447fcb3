"""FakeAgiCall: plays Asterisk's side of a FastAGI session against our AGI server.

It connects like res_agi does, sends the ``agi_*`` environment and an empty line, answers each
command with the real result lines (agi_commands), plays a scripted caller (DTMF entries, a
hang-up after N commands with the ``HANGUP`` line of agi-03) and records what the server did.
AgiConnection is the lower level: raw, garbage, truncated or slow input. When a call ends,
its channel is destroyed: the func_lock locks it still holds are freed.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tests.fakes import agi_commands
from tests.fakes.agi_channel import Channel
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.wire import LineSocket


@dataclass
class AgiResult:
    """What happened in one call: the server's commands, our replies, the channel variables."""

    env: dict[str, str]
    commands: list[str] = field(default_factory=list)
    replies: list[list[str]] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    hung_up: bool = False
    closed_by_server: bool = False
    agistatus: str = "SUCCESS"  # AGISTATUS as AGI() leaves it: SUCCESS, FAILURE, HANGUP
    heard: list[str] = field(default_factory=list)  # sound files the caller heard


class AgiTimeout(TimeoutError):
    """The server neither sent a command nor closed in time; ``.result`` has what happened."""

    def __init__(self, message: str, result: AgiResult) -> None:
        super().__init__(message)
        self.result = result


class AgiConnection(LineSocket):
    """A raw FastAGI socket (for garbage, truncated and slow input); ``connect()`` opens one."""

    @classmethod
    def connect(cls, host: str, port: int, timeout: float = 5.0) -> AgiConnection:
        return cls(socket.create_connection((host, port), timeout=timeout), timeout)

    def send_env(self, env: Mapping[str, str]) -> None:
        """The environment block: ``agi_x: value`` lines and the empty line."""
        self.send_raw(render_env(env))


def render_env(env: Mapping[str, str]) -> bytes:
    return "".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n"


class FakeAgiCall:
    """One call into our FastAGI server, as Asterisk would place it."""

    def __init__(
        self,
        asterisk: FakeAsterisk,
        script: str,
        *,
        channel: str = "PJSIP/1001-00000001",
        callerid: str = "1001",
        args: Sequence[str] = (),
        dtmf: Sequence[str] = (),
        hangup_after: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.asterisk = asterisk
        self.script = script
        self.channel = channel
        self.callerid = callerid
        self.args = tuple(args)
        self.dtmf = list(dtmf)
        self.hangup_after = hangup_after
        self.env_overrides = dict(env or {})

    def environment(self, host: str, port: int) -> dict[str, str]:
        """The ``agi_*`` variables res_agi sends (agi-01, agi-06, agi-07 show them)."""
        tech = self.channel.split("/", 1)[0]
        number = self.asterisk.next_sequence()
        env = {
            "agi_network": "yes",
            "agi_network_script": self.script,
            "agi_request": f"agi://{host}:{port}/{self.script}",
            "agi_channel": self.channel,
            "agi_language": "en",
            "agi_type": tech,
            "agi_uniqueid": f"{self.asterisk.now()}.{number}",
            "agi_version": self.asterisk.version,
            "agi_callerid": self.callerid or "unknown",
            "agi_calleridname": "unknown",
            "agi_callingpres": "0" if self.callerid else "67",
            "agi_callingani2": "0",
            "agi_callington": "0",
            "agi_callingtns": "0",
            "agi_dnid": "unknown",
            "agi_rdnis": "unknown",
            "agi_context": "from-sip",
            "agi_extension": "s",
            "agi_priority": "1",
            "agi_enhanced": "0.0",
            "agi_accountcode": "",
            "agi_threadid": str(140000000000000 + number),
        }
        env.update(self.env_overrides)
        for index, arg in enumerate(self.args, start=1):
            env[f"agi_arg_{index}"] = arg
        return env

    def _channel(self, env: Mapping[str, str]) -> Channel:
        name = env["agi_calleridname"]
        return Channel(
            name=env["agi_channel"],
            callerid="" if env["agi_callerid"] == "unknown" else env["agi_callerid"],
            callerid_name="" if name == "unknown" else name,
            context=env["agi_context"],
            exten=env["agi_extension"],
            uniqueid=env["agi_uniqueid"],
            dtmf=list(self.dtmf),
        )

    def run(self, host: str, port: int, timeout: float = 5.0) -> AgiResult:
        """Connect, send the environment, answer commands until the server closes.

        ``timeout`` bounds the whole session; AgiTimeout (with the partial result) when the
        server has neither closed nor stopped sending by then."""
        env = self.environment(host, port)
        chan = self._channel(env)
        result = AgiResult(env=env, variables=chan.variables)
        try:
            self._session(chan, result, host, port, timeout)
        finally:  # the channel is destroyed: func_lock frees the locks it still holds
            self.asterisk.named_locks.destroyed(chan)
        result.hung_up = chan.hung_up
        result.agistatus = chan.agi_status
        result.heard = chan.heard
        with self.asterisk.lock:
            self.asterisk.channel_vars[chan.name] = dict(chan.variables)
        return result

    def _session(
        self, chan: Channel, result: AgiResult, host: str, port: int, timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        with AgiConnection.connect(host, port, timeout) as conn:
            try:
                conn.send_env(result.env)
            except OSError:  # the server refused the call before reading it
                result.closed_by_server = True
                return
            while True:
                try:
                    line = conn.read_line(max(0.0, deadline - time.monotonic()))
                except TimeoutError as e:
                    message = f"AGI session not over after {timeout}s: {result.commands}"
                    raise AgiTimeout(message, result) from e
                if line is None:
                    result.closed_by_server = True
                    return
                reply = self._reply(chan, line, result)
                try:
                    conn.send_raw("".join(f"{r}\n" for r in reply).encode())
                except OSError:
                    result.closed_by_server = True
                    return

    def _reply(self, chan: Channel, line: str, result: AgiResult) -> list[str]:
        """Reply lines. The caller hangs up during command number ``hangup_after + 1``: a
        command waiting on the channel answers -1, any other completes; either way res_agi
        then notices the hang-up and sends ``HANGUP`` at once (agi-03)."""
        result.commands.append(line)
        was_hung_up = chan.hung_up
        caller_hangs_up = not was_hung_up and self.hangup_after == len(result.commands) - 1
        if caller_hangs_up and agi_commands.blocks(line):
            reply = agi_commands.interrupted(line)
        else:
            reply = agi_commands.answer(self.asterisk, chan, line)
        if caller_hangs_up or (chan.hung_up and not was_hung_up):
            chan.hung_up = True
            if chan.agi_status == "SUCCESS":  # res_agi: a failure stays a failure
                chan.agi_status = "HANGUP"
            reply = [*reply, "HANGUP"]
        result.replies.append(reply)
        return reply

"""Real SIP phones and callers for the sandbox, played by SIPp (Debian ``sip-tester``).

``SipPhone``: registers an endpoint with digest auth, answers Asterisk's qualify OPTIONS (so
it is reachable) and answers every INVITE (180, 200 with SDP), then waits for the BYE. Its
main scenario only registers and idles; OPTIONS and INVITEs open new dialogs, which SIPp
gives to the out-of-call scenario (``-oocsf``).

``SipCall``: an endpoint dials a number and keys DTMF (RFC 4733, ``tests.real.dtmf``). What
to key when is not left to timers: the test watches AMI for the AGI's ``GET DATA`` on the
caller's channel (``AGIExecStart``) and answers it with an in-dialog NOTIFY (AMI
``PJSIPNotify`` with ``Channel``); the scenario waits for that NOTIFY before it plays the
next pcap. So the digits always arrive while the prompt is being played, however slow the
machine. What the caller heard is read from what Asterisk did on that channel: the
``Playing '<file>'`` lines of its verbose log, ``AGIExecStart`` commands and the ``VarSet``
events of ``GITOPS_STATUS`` and ``AGISTATUS``.

Credentials are the inventory's derived SIP passwords: they are written only into scenario
files of a private temporary directory (mode 0700), never on a command line or in output.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from provisioner.targets.ami.protocol import Message
from tests.real.ami import AmiEvents, event
from tests.real.dtmf import Keypad
from tests.real.sandbox import Sandbox, SandboxError, free_port, sipp, stop_process

SDP = """v=0
o=gitops 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
"""
OK = """SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

"""


def _cdata(text: str) -> str:
    return f"<![CDATA[\n{text}]]>"


def _request(method: str, uri: str, user: str, to: str, cseq: int, auth: str, tail: str) -> str:
    """A request opening a dialog from ``user``; ``tail``: its last headers and body."""
    return f"""{method} {uri} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:{to}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: {cseq} {method}
Contact: <sip:{user}@[local_ip]:[local_port]>
{auth}Max-Forwards: 70
{tail}"""


def _auth(user: str, password: str) -> str:
    return f"[authentication username={user} password={password}]\n"


def _register(user: str, password: str) -> str:
    def request(cseq: int, auth: str) -> str:
        uri = "sip:[remote_ip]:[remote_port]"
        return _request(
            "REGISTER", uri, user, user, cseq, auth, "Expires: 3600\nContent-Length: 0\n\n"
        )

    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register {user}">
  <send retrans="500">{_cdata(request(1, ""))}</send>
  <recv response="401" auth="true"/>
  <send retrans="500">{_cdata(request(2, _auth(user, password)))}</send>
  <recv response="200"/>
  <pause milliseconds="86400000"/>
</scenario>
"""


def _answer(status: str, tail: str) -> str:
    """A response to the INVITE that opens the phone's dialog (with its To tag)."""
    return f"""SIP/2.0 {status}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
{tail}"""


RINGING = _answer("180 Ringing", "Content-Length: 0\n\n")
ANSWERED = _answer("200 OK", f"Content-Type: application/sdp\nContent-Length: [len]\n\n{SDP}")
ANSWER = f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer OPTIONS and calls">
  <recv request="OPTIONS" optional="true" next="options"/>
  <recv request="INVITE"/>
  <send>{_cdata(RINGING)}</send>
  <send retrans="500">{_cdata(ANSWERED)}</send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send next="done">{_cdata(OK)}</send>
  <label id="options"/>
  <send>{_cdata(OK)}</send>
  <label id="done"/>
</scenario>
"""


def _invite(user: str, number: str, cseq: int, auth: str) -> str:
    uri = f"sip:{number}@[remote_ip]:[remote_port]"
    tail = f"Content-Type: application/sdp\nContent-Length: [len]\n\n{SDP}"
    return _request("INVITE", uri, user, number, cseq, auth, tail)


def _ack(user: str, uri: str, cseq: int) -> str:
    return f"""ACK {uri} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: {cseq} ACK
Max-Forwards: 70
Content-Length: 0

"""


def _call(user: str, password: str, number: str, pcaps: list[Path]) -> str:
    auth = _auth(user, password)
    keys = "".join(
        f"""  <recv request="NOTIFY"/>
  <send>{_cdata(OK)}</send>
  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>
"""
        for pcap in pcaps
    )
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="{user} dials {number}">
  <send retrans="500">{_cdata(_invite(user, number, 1, ""))}</send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send>{_cdata(_ack(user, f"sip:{number}@[remote_ip]:[remote_port]", 1))}</send>
  <send retrans="500">{_cdata(_invite(user, number, 2, auth))}</send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>{_cdata(_ack(user, "[next_url]", 2))}</send>
{keys}  <recv request="BYE"/>
  <send>{_cdata(OK)}</send>
</scenario>
"""


def _private(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def _sipp() -> str:
    found = sipp()
    if found is None:
        raise SandboxError("SIPp is missing (apt-get install sip-tester)")
    return found


def _launch(
    sandbox: Sandbox, workdir: Path, scenario: list[str], port: int
) -> subprocess.Popen[bytes]:
    """One SIPp process for one call (``-m 1``) on loopback, SIP port ``port``, its errors
    and screen in ``workdir``."""
    command = [_sipp(), f"127.0.0.1:{sandbox.sip_port}", *scenario, "-m", "1"]
    command += ["-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(port), "-mp", str(free_port())]
    command += ["-nostdin", "-trace_err", "-error_file", str(workdir / "errors.log")]
    with (workdir / "screen.log").open("wb") as screen:
        return subprocess.Popen(command, stdout=screen, stderr=subprocess.STDOUT)


def _tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class SipPhone:
    """A registered, reachable phone answering every call (one SIPp process)."""

    def __init__(self, sandbox: Sandbox, events: AmiEvents, endpoint: str, workdir: Path) -> None:
        self.sandbox = sandbox
        self.events = events
        self.endpoint = endpoint
        self.workdir = workdir / f"phone-{endpoint}"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, password: str, timeout: float = 15.0) -> None:
        """Register and wait until Asterisk's qualify finds the contact reachable."""
        mark = self.events.mark()
        register = _private(self.workdir, "register.xml", _register(self.endpoint, password))
        answer = _private(self.workdir, "answer.xml", ANSWER)
        scenario = ["-sf", str(register), "-oocsf", str(answer)]
        self.process = _launch(self.sandbox, self.workdir, scenario, self.port)
        reachable = event("ContactStatus", AOR=self.endpoint, ContactStatus="Reachable")
        try:
            self.events.wait_for(reachable, since=mark, timeout=timeout)
        except SandboxError as e:
            self.stop()
            raise SandboxError(
                f"phone {self.endpoint} did not become reachable: {e}\n"
                f"{_tail(self.workdir / 'errors.log')}"
            ) from e

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


@dataclass
class CallResult:
    """What Asterisk did on the caller's channel."""

    channel: str
    sipp_status: int | None
    asked: list[str] = field(default_factory=list)  # prompts of the GET DATAs, in order
    heard: list[str] = field(default_factory=list)  # sound files played on the channel
    commands: list[str] = field(default_factory=list)  # AGI commands run on the channel
    variables: dict[str, str] = field(default_factory=dict)  # last value of each VarSet
    log: list[str] = field(default_factory=list)  # the channel's verbose log lines
    problems: list[str] = field(default_factory=list)  # WARNING/ERROR lines of the call
    details: str = ""  # SIPp's errors, for a failure message

    @property
    def status(self) -> str:
        return self.variables.get("GITOPS_STATUS", "")


_PLAYING = re.compile(r"<(?P<channel>[^>]+)> Playing '(?P<file>[^']+)\.[a-z0-9]+'")


class SipCall:
    """One call from ``endpoint`` to ``number``; ``keys`` answer the GET DATAs in order."""

    def __init__(
        self,
        sandbox: Sandbox,
        events: AmiEvents,
        endpoint: str,
        password: str,
        number: str,
        workdir: Path,
        keys: tuple[str, ...] = (),
        silent: frozenset[str] = frozenset(),
    ) -> None:
        self.sandbox = sandbox
        self.events = events
        self.endpoint = endpoint
        self.number = number
        self.keys = keys
        self.silent = silent  # prompts known to be missing: keys go to the GET DATA after
        self.workdir = workdir / f"call-{endpoint}-{time.monotonic_ns()}"
        keypad = Keypad()
        self.workdir.mkdir(mode=0o700, parents=True)
        pcaps = [keypad.pcap(k, self.workdir / f"keys-{i}.pcap") for i, k in enumerate(keys)]
        self.scenario = _private(self.workdir, "call.xml", _call(endpoint, password, number, pcaps))
        self.process: subprocess.Popen[bytes] | None = None
        self._mark = 0
        self._log_start = 0
        self._asked: list[str] = []
        self._lock = threading.Lock()
        self._cancel = lambda: None

    def _prefix(self, message: Message) -> bool:
        return message.get("Channel").startswith(f"PJSIP/{self.endpoint}-")

    def _on_get_data(self, message: Message) -> None:
        command = message.get("Command")
        with self._lock:
            keyed = sum(c.split()[2] not in self.silent for c in self._asked)
            self._asked.append(command)
            if keyed >= len(self.keys) or command.split()[2] in self.silent:
                return
        self.events.send("PJSIPNotify", Channel=message.get("Channel"), Variable="Event=keys")

    def start(self) -> SipCall:
        self._mark = self.events.mark()
        self._log_start = self.sandbox.log_size()
        asks = event("AGIExecStart", Command="GET DATA*")
        self._cancel = self.events.on(lambda m: asks(m) and self._prefix(m), self._on_get_data)
        scenario = ["-sf", str(self.scenario), "-timeout", "60s", "-timeout_error"]
        self.process = _launch(self.sandbox, self.workdir, scenario, free_port())
        return self

    def channel(self, timeout: float = 15.0) -> str:
        """The caller's channel, once Asterisk has created it."""
        found = self.events.wait_for(
            lambda m: m.get("Event") == "Newchannel" and self._prefix(m), self._mark, timeout
        )
        return found.get("Channel")

    def finish(self, timeout: float = 60.0) -> CallResult:
        """Wait for the call to end; what Asterisk did on the channel."""
        assert self.process is not None, "start() first"
        try:
            status: int | None = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait(5)
        finally:
            self._cancel()
        try:
            channel = self.channel(timeout=1.0)
        except SandboxError:
            channel = ""
        if channel:
            self.events.wait_for(event("Hangup", Channel=channel), self._mark, timeout=10)
            self._wait_for_log(channel)
        return self._result(channel, status)

    def run(self, timeout: float = 60.0) -> CallResult:
        return self.start().finish(timeout)

    def _wait_for_log(self, channel: str, timeout: float = 5.0) -> None:
        """The logger writes from its own thread: wait for the line that ends the channel's
        dialplan, "Spawn extension (...) exited non-zero on '<channel>'" (every gitops
        path ends in Hangup(), and a caller hanging up ends it too)."""
        deadline = time.monotonic() + timeout
        marker = f"exited non-zero on '{channel}'"
        while time.monotonic() < deadline:
            if marker in self.sandbox.log_text(self._log_start):
                return
            time.sleep(0.05)

    def _result(self, channel: str, status: int | None) -> CallResult:
        text = self.sandbox.log_text(self._log_start)
        lines = [line for line in text.splitlines() if channel and channel in line]
        heard = [
            m.group("file")
            for line in lines
            if (m := _PLAYING.search(line)) and m.group("channel") == channel
        ]
        ours = self.events.since(self._mark, lambda m: m.get("Channel") == channel)
        variables = {m.get("Variable"): m.get("Value") for m in ours if m.get("Event") == "VarSet"}
        commands = [m.get("Command") for m in ours if m.get("Event") == "AGIExecStart"]
        # what went wrong on a call: lines naming the channel or logged by a channel's
        # thread (a call id, "[C-00000003]"); not the background work of the sandbox
        problems = [
            line
            for line in self.sandbox.problems(self._log_start)
            if (channel and channel in line) or "][C-" in line
        ]
        details = "\n".join(
            [
                f"SIPp exit status {status}",
                _tail(self.workdir / "errors.log"),
                _tail(self.workdir / "screen.log", 15),
            ]
        )
        with self._lock:
            asked = [c.split()[2] for c in self._asked]
        return CallResult(
            channel, status, asked, heard, commands, variables, lines, problems, details
        )

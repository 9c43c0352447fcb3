"""fastagi.protocol: pyst2's AGI adapted; one test per pitfall listed in python-libraries.md."""

from __future__ import annotations

import io
import signal
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastagi.errors import CommandError, ConnectionLost, Hangup, ProtocolError
from fastagi.protocol import (
    MAX_LINE,
    AgiChannel,
    Greeting,
    SocketLines,
    quote,
    set_idle_timeout,
)
from tests.fakes.agi_client import render_env
from tests.fastagi.scripted import ENV, ScriptedPeer


@pytest.fixture
def peers() -> Iterator[list[ScriptedPeer]]:
    made: list[ScriptedPeer] = []
    yield made
    for peer in made:
        peer.close()


def open_peer(peers: list[ScriptedPeer], *replies: str, env: str | None = None) -> ScriptedPeer:
    peer = ScriptedPeer(replies) if env is None else ScriptedPeer(replies, env=env)
    peers.append(peer)
    return peer


def test_environment_is_read_in_a_worker_thread_without_touching_sighup(
    peers: list[ScriptedPeer], capfd: pytest.CaptureFixture[str]
) -> None:
    peer = open_peer(peers)
    before = signal.getsignal(signal.SIGHUP)
    found: list[AgiChannel | ValueError] = []

    def work() -> None:
        try:
            found.append(peer.channel())
        except ValueError as e:  # "signal only works in main thread" with plain pyst2
            found.append(e)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(5)
    channel = found[0]
    assert isinstance(channel, AgiChannel)
    assert channel.env["agi_network_script"] == "login?queue=support"
    assert channel.env["agi_arg_1"] == "extra arg"
    assert signal.getsignal(signal.SIGHUP) is before
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # pyst2 would write ENV LINE debug lines to stderr


def test_after_a_hangup_only_commands_needing_no_caller_are_sent(
    peers: list[ScriptedPeer],
) -> None:
    dead = "511 Command Not Permitted on a dead channel or intercept routine"
    peer = open_peer(peers, "200 result=-1", "HANGUP", dead, "200 result=1", "200 result=1 (x)")
    channel = peer.channel()
    with pytest.raises(Hangup):
        channel.get_data("beep", 8000, 4)  # -1: hang-up or missing prompt; asked again: 511
    channel.verbose("after hangup")
    assert channel.hung_up
    assert channel.get_variable("CHANNEL") == "x"  # clean-up and commit commands still work
    with pytest.raises(Hangup):
        channel.play(["agent-loginok"])  # needs the caller: not even sent
    assert peer.sent() == [
        "GET DATA beep 8000 4",
        'GET DATA "" 8000 4',
        'VERBOSE "after hangup" 1',
        'GET VARIABLE "CHANNEL"',
    ]


def test_a_missing_get_data_prompt_is_skipped_not_taken_for_a_hangup(
    peers: list[ScriptedPeer], caplog: pytest.LogCaptureFixture
) -> None:
    """real-agi-01: GET DATA of a missing prompt answers -1 and reads no digit; without a
    prompt the same command reads the digits (issue 9, finding 1)."""
    peer = open_peer(peers, "200 result=-1", "200 result=2")
    channel = peer.channel()
    assert channel.get_data("gitops/interface-menu", 5000, 1) == "2"
    assert not channel.hung_up
    assert peer.sent() == ["GET DATA gitops/interface-menu 5000 1", 'GET DATA "" 5000 1']
    assert "prompt gitops/interface-menu could not be played" in caplog.text


def test_a_hangup_during_a_prompt_is_a_hangup_not_a_missing_sound(
    peers: list[ScriptedPeer], caplog: pytest.LogCaptureFixture
) -> None:
    """real-agi-02: Playback answers -1 only when the caller hung up (issue 9, finding 6)."""
    peer = open_peer(peers, "200 result=-1", "HANGUP")
    channel = peer.channel()
    with pytest.raises(Hangup, match="hung up"):
        channel.play(["gitops/login-incorrect"])
    assert channel.hung_up
    assert "could not be played" not in caplog.text
    assert peer.sent() == ['EXEC Playback "gitops/login-incorrect"']


def test_hangup_line_is_remembered_and_the_reply_after_it_used(
    peers: list[ScriptedPeer],
) -> None:
    peer = open_peer(peers, "200 result=1", "HANGUP")
    channel = peer.channel()
    channel.database_put("gitops/agent/1001", "since", "1")  # completed, then HANGUP at once
    assert not channel.hung_up
    peer.close_input()
    with pytest.raises(ConnectionLost):
        channel.verbose("x")  # reads HANGUP, then EOF
    assert channel.hung_up


def test_minus_one_from_a_database_command_is_a_hangup(peers: list[ScriptedPeer]) -> None:
    peer = open_peer(peers, "200 result=-1")
    with pytest.raises(Hangup):
        peer.channel().database_get("gitops/phone/ph-b", "agent")


def test_eof_is_connection_lost_not_value_error(peers: list[ScriptedPeer]) -> None:
    peer = open_peer(peers)
    peer.close_input()
    channel = peer.channel()
    with pytest.raises(ConnectionLost):
        channel.get_variable("CHANNEL")


def test_dead_channel_511_is_a_hangup(peers: list[ScriptedPeer]) -> None:
    peer = open_peer(peers, "511 Command Not Permitted on a dead channel or intercept routine")
    with pytest.raises(Hangup):
        peer.channel().play(["beep"])


def test_unknown_command_and_usage_errors_keep_the_stream_in_sync(
    peers: list[ScriptedPeer],
) -> None:
    peer = open_peer(
        peers,
        "510 Invalid or unknown command",
        "520-Invalid command syntax.  Proper usage follows:",
        "Stream the given file, and receive DTMF data.",
        "520 End of proper usage.",
        "200 result=1 (after)",
    )
    channel = peer.channel()
    with pytest.raises(CommandError):
        channel.get_variable("X")
    with pytest.raises(CommandError):
        channel.get_data("", 0, 0)
    assert channel.get_variable("Y") == "after"


def test_result_minus_one_is_interpreted_per_command(peers: list[ScriptedPeer]) -> None:
    peer = open_peer(peers, "200 result=-1", "200 result=0", "200 result=-2")
    channel = peer.channel()
    assert channel.exec_app("QueueLog", ["support", "1", "Agent", "PAUSE", "lunch"]) == -1
    channel.play(["no-such-sound", "beep"])  # Playback skips a missing file and answers 0
    assert not channel.hung_up
    with pytest.raises(CommandError):
        channel.exec_app("NoSuchApplication", ["foo"])


def test_get_data_answers_digits_or_empty_on_timeout(peers: list[ScriptedPeer]) -> None:
    peer = open_peer(peers, "200 result=1001", "200 result= (timeout)", "200 result=")
    channel = peer.channel()
    assert channel.get_data("agent-user", 5000, 4) == "1001"
    assert channel.get_data("agent-pass", 5000, 4) == ""
    assert channel.get_data("agent-pass", 5000, 4) == ""


def test_arguments_are_quoted_and_escaped(peers: list[ScriptedPeer]) -> None:
    peer = open_peer(peers, "200 result=1", "200 result=0", "200 result=1 (v)", "200 result=1")
    channel = peer.channel()
    channel.set_variable("NAME", 'Ann "The" Smith\nEXEC Hangup')
    channel.exec_app(
        "AddQueueMember", ["support", "Local/1001@gitops-agents", "2", "", "Ann Smith"]
    )
    assert channel.database_get("gitops/agent/1001", "dial") == "v"
    channel.database_put("gitops/agent/1001", "since", "1")
    assert peer.sent() == [
        'SET VARIABLE "NAME" "Ann \\"The\\" Smith EXEC Hangup"',
        'EXEC AddQueueMember "support,Local/1001@gitops-agents,2,,Ann Smith"',
        'DATABASE GET "gitops/agent/1001" "dial"',
        'DATABASE PUT "gitops/agent/1001" "since" "1"',
    ]


def test_database_get_of_a_missing_key_is_none(peers: list[ScriptedPeer]) -> None:
    peer = open_peer(peers, "200 result=0")
    assert peer.channel().database_get("gitops/agent/1001", "missing") is None


@pytest.mark.parametrize(
    "env",
    [
        "GET / HTTP/1.1\nHost: x\n\n",
        "agi_network: yes\nagi_network_script: login\n",  # truncated: no blank line
        "agi_network: yes\n" + "x" * 9000 + "\n\n",
        "".join(f"agi_x{i}: y\n" for i in range(300)) + "\n",
    ],
    ids=["http", "truncated", "long-line", "too-many-lines"],
)
def test_garbage_or_truncated_environment_is_a_protocol_error(
    peers: list[ScriptedPeer], env: str
) -> None:
    peer = open_peer(peers, env=env)
    peer.close_input()
    with pytest.raises(ProtocolError):
        peer.channel()


def test_reply_that_is_not_agi_is_a_protocol_error(peers: list[ScriptedPeer]) -> None:
    peer = open_peer(peers, "hello there")
    with pytest.raises(ProtocolError):
        peer.channel().answer()


def test_quote_escapes_backslash_and_quote() -> None:
    assert quote('a\\b"c') == '"a\\\\b\\"c"'
    assert quote(5) == '"5"'


def test_writing_to_a_closed_peer_is_connection_lost(peers: list[ScriptedPeer]) -> None:
    peer = open_peer(peers)
    channel = peer.channel()
    peer.theirs.close()
    with pytest.raises(ConnectionLost):
        for _ in range(100):  # the first write may still be buffered by the kernel
            channel.verbose("anyone there?")


class CountingSocket:
    """Hands out canned chunks and counts the reads (``SocketLines`` must read in blocks)."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.reads = 0

    def recv(self, size: int) -> bytes:
        self.reads += 1
        return self.chunks.pop(0)[:size] if self.chunks else b""


def test_lines_are_read_in_blocks_and_reassembled_across_them() -> None:
    sock = CountingSocket(b"agi_a: 1\nagi_b: 2\n\n200 res", b"ult=1\n")
    lines = SocketLines(sock)  # type: ignore[arg-type]  # duck-typed recv
    got = [lines.readline(MAX_LINE) for _ in range(4)]
    assert got == [b"agi_a: 1\n", b"agi_b: 2\n", b"\n", b"200 result=1\n"]
    assert sock.reads == 2  # one per block, not one per line or byte
    assert lines.readline(MAX_LINE) == b""  # end of stream


def test_a_line_longer_than_the_limit_is_cut_there() -> None:
    lines = SocketLines(CountingSocket(b"x" * 10 + b"\nnext\n"))  # type: ignore[arg-type]
    assert lines.readline(4) == b"xxxx"
    assert lines.readline(100) == b"xxxxxx\n"
    assert lines.readline(100) == b"next\n"


def test_idle_timeout_keeps_the_socket_blocking_and_ends_a_silent_session() -> None:
    ours, theirs = socket.socketpair()
    try:
        set_idle_timeout(ours, 0.1)
        assert ours.gettimeout() is None  # no poll() before every recv and send
        theirs.sendall(ENV.encode())
        channel = AgiChannel.over_socket(ours)
        with pytest.raises(ConnectionLost, match="idle timeout"):
            channel.answer()  # Asterisk never answers
    finally:
        ours.close()
        theirs.close()


ENV_KEYS = st.from_regex(r"agi_[a-z_0-9]{1,12}", fullmatch=True)
ENV_VALUES = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30)


@given(st.binary(max_size=2048), st.lists(st.integers(0, 2048), max_size=6))
def test_a_greeting_of_random_bytes_completes_or_is_refused(data: bytes, cuts: list[int]) -> None:
    greeting = Greeting()
    start = 0
    try:
        for cut in [*sorted(c for c in cuts if c <= len(data)), len(data)]:
            if greeting.feed(data[start:cut]):
                return
            start = cut
    except ProtocolError:
        return


@given(
    st.dictionaries(ENV_KEYS, ENV_VALUES.map(str.strip), max_size=20),
    st.lists(st.integers(0, 4000), max_size=8),
)
def test_an_environment_split_anywhere_reads_as_in_one_piece(
    env: dict[str, str], cuts: list[int]
) -> None:
    wire = render_env(env) + b"NOOP after\n"
    greeting = Greeting()
    start, done = 0, False
    for cut in [*sorted(c for c in cuts if c <= len(wire)), len(wire)]:
        done = done or greeting.feed(wire[start:cut])
        start = cut
    assert done and greeting.env == env
    reader = AgiChannel(io.BytesIO(wire), lambda data: None)  # the blocking read agrees
    assert dict(reader.env) == env
    assert b"NOOP after\n".startswith(greeting.rest)  # what followed, as far as it was fed

"""Idle, silent or byte-dripping connections never starve Asterisk's calls: a session slot is
taken only once a connection has sent its whole AGI environment, which must arrive within a
short deadline, and connections still greeting are bounded per peer address (the oldest
goes first). Over real sockets."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.agi import inventory
from tests.agi.conftest import Live, serve, status
from tests.agi.rawclient import RawSession, environment
from tests.fakes.asterisk import FakeAsterisk


@pytest.fixture
def small(fake_asterisk: FakeAsterisk, tmp_path: Path) -> Iterator[Live]:
    """The live server with a few slots, so that a flood would fill them at once."""
    yield from serve(fake_asterisk, tmp_path, inventory.build, max_sessions=20, env_timeout=1.0)


@pytest.fixture
def patient(fake_asterisk: FakeAsterisk, tmp_path: Path) -> Iterator[Live]:
    """The live server with a long environment deadline: nothing greeting expires here."""
    yield from serve(fake_asterisk, tmp_path, inventory.build, env_timeout=60.0)


def _silent(address: tuple[str, int], count: int, source: str = "127.0.0.1") -> list[socket.socket]:
    made = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind((source, 0))
        sock.connect(address)
        made.append(sock)
    return made


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_a_flood_of_silent_connections_does_not_refuse_real_calls(small: Live) -> None:
    flood = _silent(small.server.address, 1000)
    try:
        started = time.monotonic()
        for _ in range(5):
            assert status(small.call("status", "PJSIP/1001-00000001")) == "not_logged_in"
        assert status(small.call("login", dtmf=["1#"])) == "ok"
        assert time.monotonic() - started < 5  # not after the flood's timeout
        assert small.server.active_sessions == 0  # the flood holds no session slot
    finally:
        for sock in flood:
            sock.close()


def test_dripping_connections_are_closed_at_the_environment_deadline(small: Live) -> None:
    drips = _silent(small.server.address, 30)
    stop = threading.Event()

    def drip() -> None:  # one byte of a valid environment every 0.2 s, for ever
        text = environment("status", "PJSIP/1001-00000001")
        for n in range(len(text)):
            for sock in drips:
                with contextlib.suppress(OSError):
                    sock.send(text[n : n + 1])
            if stop.wait(0.2):
                return

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        assert status(small.call("status", "PJSIP/1001-00000002")) == "not_logged_in"
        assert all(_closed_by_server(sock, 3.0) for sock in drips)  # env_timeout is 1 s
    finally:
        stop.set()
        dripper.join(5)
        for sock in drips:
            sock.close()


def test_one_peer_address_cannot_take_every_greeting_slot(patient: Live) -> None:
    noisy = _silent(patient.server.address, 300, source="127.0.0.2")
    quiet = _silent(patient.server.address, 10, source="127.0.0.3")
    try:
        greeter = patient.server.greeter
        deadline = time.monotonic() + 5
        while greeter.pending() < greeter.max_per_peer + 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert greeter.pending("127.0.0.2") == greeter.max_per_peer  # its oldest were closed
        assert greeter.pending("127.0.0.3") == 10  # untouched by the other peer's flood
        assert _closed_by_server(noisy[0], 1.0)
    finally:
        for sock in (*noisy, *quiet):
            sock.close()


def test_a_complete_environment_then_silence_holds_a_slot_for_the_idle_timeout(
    small: Live,
) -> None:
    client = RawSession(small.server.address)
    client.send(environment("login", "PJSIP/ph-c-00000001"))
    assert client.next_command() == "ANSWER"
    assert small.server.active_sessions == 1  # a session from here on, bounded by idle_timeout
    client.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(st.binary(max_size=3000), st.booleans())
def test_random_bytes_on_the_socket_never_cost_a_real_call(
    small: Live, data: bytes, close_early: bool
) -> None:
    sock = socket.create_connection(small.server.address)
    sock.sendall(data)
    if close_early:
        sock.close()
    assert status(small.call("status", "PJSIP/1001-00000001")) == "not_logged_in"
    sock.close()

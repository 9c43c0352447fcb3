"""The FastAGI server over TCP: routing, refusals, timeouts, reload and shutdown."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agi.context import Options
from agi.server import AgiServer, ServerConfig
from provisioner.errors import InventoryError, Problem
from provisioner.model import Inventory
from runtime.reload import InventoryHolder, Reloader
from tests.agi import inventory
from tests.agi.rawclient import RawSession, environment


def load(root: Path) -> Inventory:
    """Test loader: the file ``revision`` names the revision; ``bad`` is an invalid inventory."""
    revision = (root / "revision").read_text().strip()
    if revision == "bad":
        raise InventoryError([Problem(str(root / "revision"), 1, 1, "revision", "bad")])
    return inventory.build(revision=revision)


def start(root: Path, **config: float) -> AgiServer:
    if not (root / "revision").exists():
        (root / "revision").write_text("r1")
    settings = {"idle_timeout": 5.0, "shutdown_grace": 5.0, **config}
    server = AgiServer(
        ServerConfig(port=0, options=Options(), **settings),  # type: ignore[arg-type]
        InventoryHolder(root, load),
    )
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    return server


@pytest.fixture
def servers() -> Iterator[list[AgiServer]]:
    made: list[AgiServer] = []
    yield made
    for server in made:
        server.stop()


def test_unknown_script_sets_error(tmp_path: Path, servers: list[AgiServer]) -> None:
    servers.append(server := start(tmp_path))
    client = RawSession(server.address)
    client.send(environment("nosuch?x=1"))
    assert client.finish() == ['SET VARIABLE "GITOPS_STATUS" "error"']
    client.close()


def test_garbage_is_dropped_and_the_server_keeps_serving(
    tmp_path: Path, servers: list[AgiServer]
) -> None:
    servers.append(server := start(tmp_path))
    for junk in (b"GET / HTTP/1.0\r\n\r\n", b"agi_network: yes\nagi_net", b"\x00\xff" * 100):
        client = RawSession(server.address)
        client.send(junk)
        client.sock.shutdown(socket.SHUT_WR)
        assert client.finish() == []
        client.close()
    client = RawSession(server.address)
    client.send(environment("nosuch"))
    assert client.finish() == ['SET VARIABLE "GITOPS_STATUS" "error"']


def test_idle_client_is_disconnected(tmp_path: Path, servers: list[AgiServer]) -> None:
    servers.append(server := start(tmp_path, idle_timeout=0.2))
    client = RawSession(server.address)
    client.send(environment("login", "PJSIP/ph-c-00000001"))
    assert client.next_command() == "ANSWER"
    client.answer("200 result=0")
    assert client.next_command().startswith("GET DATA agent-user")
    assert client.next_command() == ""  # never answered: the server hung up on us
    assert server.wait_idle(5)
    assert server.active_sessions == 0


def test_sessions_past_the_limit_are_refused(
    tmp_path: Path, servers: list[AgiServer], caplog: pytest.LogCaptureFixture
) -> None:
    servers.append(server := start(tmp_path, max_sessions=1))
    first = RawSession(server.address)
    first.send(environment("login", "PJSIP/ph-c-00000001"))
    assert first.next_command() == "ANSWER"  # the first session holds the only slot
    second = RawSession(server.address)
    second.send(environment("pause", "PJSIP/1001-00000002"))
    assert second.finish() == ['SET VARIABLE "GITOPS_STATUS" "error"']
    assert "refused pause from PJSIP/1001-00000002: busy" in caplog.text
    first.close()


def test_a_flood_past_the_limit_holds_one_refuser_thread_and_a_bounded_queue(
    tmp_path: Path, servers: list[AgiServer], caplog: pytest.LogCaptureFixture
) -> None:
    config = {"max_sessions": 1, "refuse_timeout": 0.5, "refuse_backlog": 4}
    servers.append(server := start(tmp_path, **config))
    first = RawSession(server.address)
    first.send(environment("login", "PJSIP/ph-c-00000001"))
    assert first.next_command() == "ANSWER"  # the only slot is taken from here on
    refused = RawSession(server.address)
    refused.send(environment("pause", "PJSIP/1001-00000002"))
    refused.answer()  # answered before the refusal asks: no wait
    assert refused.finish() == ['SET VARIABLE "GITOPS_STATUS" "error"']
    threads = threading.active_count()
    flood = [RawSession(server.address, timeout=10.0) for _ in range(50)]
    for client in flood:  # whole environments, and then never a reply to the refusal
        client.send(environment("pause", "PJSIP/1001-00000009"))
    seen = [client.next_command() for client in flood]  # asked and cut off, or closed
    assert threading.active_count() <= threads  # one refuser thread, whatever the flood
    asked = seen.count('SET VARIABLE "GITOPS_STATUS" "error"')
    closed = caplog.text.count("refusal queue full (4): connection closed unanswered")
    assert asked + seen.count("") == 50 and closed == seen.count("")
    assert asked <= 10  # the one answered and the 4 queued per 0.5 s, not a thread each
    late = RawSession(server.address)
    late.send(environment("status", "PJSIP/1001-00000003"))
    assert late.finish() == ['SET VARIABLE "GITOPS_STATUS" "error"']  # still answered
    for client in (first, refused, late, *flood):
        client.close()


def test_reload_keeps_the_last_good_inventory(tmp_path: Path) -> None:
    (tmp_path / "revision").write_text("r1")
    holder = InventoryHolder(tmp_path, load)
    (tmp_path / "revision").write_text("bad")
    assert holder.changed_on_disk()
    assert not holder.reload()
    assert holder.directory.inventory.revision == "r1"
    assert not holder.changed_on_disk()
    (tmp_path / "revision").write_text("r2")
    assert holder.reload()
    assert holder.directory.inventory.revision == "r2"


def test_reloader_picks_up_a_changed_inventory_on_disk(tmp_path: Path) -> None:
    (tmp_path / "revision").write_text("r1")
    holder = InventoryHolder(tmp_path, load)
    reloader = Reloader(holder, interval=0.01)
    reloader.start()
    try:
        (tmp_path / "revision").write_text("r22")
        deadline = time.monotonic() + 5
        while holder.directory.inventory.revision != "r22" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert holder.directory.inventory.revision == "r22"
    finally:
        reloader.stop()
        reloader.join(5)


def test_shutdown_lets_running_sessions_finish_and_stops_accepting(tmp_path: Path) -> None:
    server = start(tmp_path)
    client = RawSession(server.address)
    client.send(environment("login", "PJSIP/ph-c-00000001"))
    assert client.next_command() == "ANSWER"
    result: list[bool] = []
    stopper = threading.Thread(target=lambda: result.append(server.stop()))
    stopper.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # wait for the listening socket to close
        try:
            socket.create_connection(server.address, timeout=0.5).close()
        except OSError:
            break
        time.sleep(0.01)
    else:
        pytest.fail("the server still accepts connections after stop()")
    client.answer("200 result=0")
    commands = client.finish({"GET DATA": "200 result= (timeout)"})
    stopper.join(10)
    assert result == [True]
    assert commands[-2:] == [
        'SET VARIABLE "GITOPS_STATUS" "unknown_agent"',
        'EXEC Playback "gitops/login-incorrect"',
    ]


def test_sessions_get_tcp_nodelay(tmp_path: Path, servers: list[AgiServer]) -> None:
    servers.append(server := start(tmp_path))
    assert server.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_ipv6_loopback_listen(tmp_path: Path, servers: list[AgiServer]) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this host")
    try:
        servers.append(server := start(tmp_path, host="::1"))  # type: ignore[arg-type]
    except OSError as e:
        pytest.skip(f"::1 not available: {e}")
    client = RawSession(server.address)
    client.send(environment("nosuch"))
    assert client.finish() == ['SET VARIABLE "GITOPS_STATUS" "error"']
    client.close()

"""The HTTP service in a thread of the test (uvicorn on an ephemeral port), its clients and
event-stream readers: for the tests against the fake and against the real Asterisk."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from provisioner.model import Inventory
from runtime.reload import InventoryHolder
from web.app import build
from web.service import Service, ServiceConfig


class WebService:
    """``asterisk-gitops-web`` as the CLI runs it, minus the process."""

    def __init__(
        self,
        root: Path,
        load: Callable[[Path], Inventory],
        secrets: Mapping[str, str],
        config: ServiceConfig | None = None,
    ) -> None:
        self.holder = InventoryHolder(root, load)
        self.service = Service(self.holder, config or ServiceConfig(lock_port=0), secrets)
        self.holder.on_reload(self.service.reloaded)
        app = build(self.service)
        settings = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on")
        self.server = uvicorn.Server(settings)
        self._thread = threading.Thread(target=self.server.run, name="web", daemon=True)

    def running(self) -> Iterator[WebService]:
        """Started and connected until the generator is closed (a fixture's body)."""
        self.start()
        try:
            self.wait_ready()
            yield self
        finally:
            self.stop()

    def start(self, timeout: float = 15.0) -> WebService:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the HTTP service did not start")
            time.sleep(0.02)
        return self

    def wait_ready(self, timeout: float = 15.0) -> None:
        """Until every server's AMI connection and lock channel are up, its table read."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            backends = self.service.backends.values()
            if all(b.ami.connected and b.locks.up and b.rows() for b in backends):
                return
            time.sleep(0.02)
        raise RuntimeError("the service did not connect to Asterisk")

    @property
    def url(self) -> str:
        sock = self.server.servers[0].sockets[0]
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0, **kw)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(20)


def log_in(client: httpx.Client, user: str, pin: str) -> str:
    """A web session for ``user``; the CSRF token (the cookie stays in the client)."""
    reply = client.post("/api/session", json={"user": user, "pin": pin})
    assert reply.status_code == 200, reply.text
    csrf: str = reply.json()["csrf"]
    client.headers["X-CSRF-Token"] = csrf
    return csrf


@dataclass
class Stream:
    """An open event stream, read by a thread: every event with the time it arrived."""

    client: httpx.Client
    events: list[tuple[float, str, Any]] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _stop: bool = False

    def start(self) -> Stream:
        threading.Thread(target=self._read, daemon=True).start()
        self.wait(lambda name, _data: name == "snapshot")
        return self

    def _read(self) -> None:
        try:
            self._lines()
        except httpx.HTTPError:
            if not self._stop:
                raise

    def _lines(self) -> None:
        name = ""
        with self.client.stream("GET", "/api/events", timeout=None) as reply:
            for line in reply.iter_lines():
                if self._stop:
                    return
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    with self._cond:
                        self.events.append((time.monotonic(), name, json.loads(line[6:])))
                        self._cond.notify_all()

    def wait(self, match: Callable[[str, Any], bool], timeout: float = 10.0) -> tuple[float, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            index = 0
            while True:
                for at, name, data in self.events[index:]:
                    if match(name, data):
                        return at, data
                index = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no such event within {timeout} s: {self.events[-5:]}")
                self._cond.wait(left)

    def close(self) -> None:
        self._stop = True
        self.client.close()


def agent_event(agent: str, **fields: Any) -> Callable[[str, Any], bool]:
    """A matcher: an ``agent`` event of that agent whose fields have these values."""

    def match(name: str, data: Any) -> bool:
        return (
            name == "agent"
            and data["agent"] == agent
            and all(data.get(k) == v for k, v in fields.items())
        )

    return match

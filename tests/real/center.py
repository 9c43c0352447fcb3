"""The example contact center on the sandbox: inventory, apply, FastAGI servers, phones.

``Center`` is built once per test session (``tests/real/conftest.py``):

- the bundled example inventory (``inventory/``) copied into a git repository of its own,
  with ``settings.agi`` pointed at two FastAGI servers on free loopback ports and the target
  of ``pbx-paris`` at the sandbox (``ami://gitops@127.0.0.1:PORT``, the AMI secret from
  ``PBX_PARIS_AMI_SECRET``), applied with the real ``provisioner apply``;
- both FastAGI servers as processes (``python -m agi``, as systemd would run it);
- SIPp phones for the phones the tests call, registered with the inventory's derived SIP
  passwords (``GITOPS_MASTER_KEY`` is the suite's own test key).

``reset()`` returns the runtime state to "nobody logged in" between tests without restarting
Asterisk: every dynamic member of the served queues removed, the AstDB trees ``gitops/agent``,
``gitops/phone`` and ``gitops/lockout`` deleted.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import git

from provisioner.inventory import load_inventory
from provisioner.inventory.secrets import resolve_secret
from provisioner.model import Inventory
from provisioner.targets.ami.client import Action, AmiClient
from tests.example import copy_example
from tests.real.ami import AmiEvents
from tests.real.sandbox import (
    AMI_SECRET,
    AMI_USER,
    MANAGED,
    Sandbox,
    SandboxError,
    free_port,
    stop_process,
)
from tests.real.sip import CallResult, SipCall, SipPhone

SERVER = "pbx-paris"
MASTER_KEY = "real-suite-test-key"  # the suite's own: its derived passwords guard nothing
SECRET_ENV = "PBX_PARIS_AMI_SECRET"
RUNTIME_TREES = ("gitops/agent", "gitops/phone", "gitops/lockout")


class AgiProcess:
    """One ``asterisk-gitops-agi`` process (``python -m agi``) on a loopback port."""

    def __init__(self, inventory: Path, port: int, log: Path) -> None:
        self.inventory = inventory
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        if self.running:
            return
        command = [sys.executable, "-m", "agi", "--inventory", str(self.inventory)]
        command += ["--listen", f"127.0.0.1:{self.port}", "--reload-interval", "0", "-v"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SandboxError(f"the AGI server exited: {self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SandboxError(f"the AGI server did not listen on {self.port} in {timeout} s")

    def stop(self) -> None:
        stop_process(self.process, grace=20)
        self.process = None


@dataclass
class Center:
    sandbox: Sandbox
    workdir: Path
    events: AmiEvents
    ami: AmiClient
    inventory_dir: Path
    agi: list[AgiProcess]
    env: dict[str, str]
    inventory: Inventory
    phones: dict[str, SipPhone] = field(default_factory=dict)
    apply_log_start: int = 0  # console log offset just before the first apply
    setup_log_end: int = 0  # ... and once the servers run and the phones are reachable
    apply_output: str = ""
    applied_files: dict[str, str] = field(default_factory=dict)  # managed files after apply

    @classmethod
    def build(cls, sandbox: Sandbox, workdir: Path) -> Center:
        ports = [free_port(), free_port()]
        root = copy_example(
            workdir / "inventory",
            agi=[("127.0.0.1", port) for port in ports],
            targets={SERVER: sandbox.ami_url},
        )
        # david is a fixed SIP device at 10.0.1.50; the sandbox's transports listen on
        # 127.0.0.1 only, from where qualifying that address fails with an ERROR each minute.
        # 127.0.0.2 is reachable from there and is not where the SIPp phones send from (an
        # identify matching 127.0.0.1 would take every request for david's).
        sales = root / "agents" / "sales.yaml"
        sales.write_text(sales.read_text().replace("host: 10.0.1.50", "host: 127.0.0.2"))
        (root / ".gitignore").write_text(".provisioner-cache/\n")
        repo = git.Repo.init(root)
        repo.git.add(".")
        actor = git.Actor("Real suite", "suite@example.invalid")
        repo.index.commit("example inventory on the sandbox", author=actor, committer=actor)
        env = {**os.environ, "GITOPS_MASTER_KEY": MASTER_KEY, SECRET_ENV: AMI_SECRET}
        events = AmiEvents(sandbox.ami_port)
        ami = AmiClient("127.0.0.1", sandbox.ami_port, AMI_USER, AMI_SECRET, timeout=20)
        agi = [AgiProcess(root, port, workdir / f"agi-{port}.log") for port in ports]
        inventory = load_inventory(root, use_cache=False)
        return cls(sandbox, workdir, events, ami, root, agi, env, inventory)

    def start(self, phones: tuple[str, ...]) -> None:
        """Apply, start both FastAGI servers, register the phones."""
        self.apply_log_start = self.sandbox.log_size()
        done = self.provisioner("apply", "--auto-approve")
        self.apply_output = done.stdout
        if done.returncode != 0:
            raise SandboxError(f"provisioner apply failed: {done.stdout}{done.stderr}")
        self.applied_files = self.managed_files()
        for server in self.agi:
            server.start()
        for endpoint in phones:
            self.phone(endpoint)
        self.setup_log_end = self.sandbox.log_size()

    def stop(self) -> None:
        for phone in self.phones.values():
            phone.stop()
        for server in self.agi:
            server.stop()
        self.ami.close()
        self.events.close()

    # -- tools ----------------------------------------------------------------------------

    def provisioner(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The real CLI against pbx-paris (``--target pbx-paris``) on the suite's inventory."""
        command = [sys.executable, "-m", "provisioner", *args]
        command += ["--inventory", str(self.inventory_dir), "--target", SERVER]
        return subprocess.run(
            command, capture_output=True, text=True, env=self.env, timeout=120, check=False
        )

    def password(self, endpoint: str) -> str:
        """The endpoint's SIP password, derived as the renderer derives it."""
        found = self.inventory.agent(endpoint) or self.inventory.phone(endpoint)
        if found is None:
            raise SandboxError(f"{endpoint} is neither an agent nor a phone of the inventory")
        return resolve_secret(found.secret, self.inventory.settings, self.env)

    def phone(self, endpoint: str) -> SipPhone:
        """The registered, reachable SIPp phone of ``endpoint`` (started on first use)."""
        if endpoint not in self.phones:
            phone = SipPhone(self.sandbox, self.events, endpoint, self.workdir)
            phone.start(self.password(endpoint))
            self.phones[endpoint] = phone
        return self.phones[endpoint]

    def dial(
        self, endpoint: str, number: str, *keys: str, silent: frozenset[str] = frozenset()
    ) -> SipCall:
        """A call from ``endpoint`` to ``number`` keying ``keys`` at each GET DATA (but those
        of the ``silent`` prompts, known to be missing)."""
        password = self.password(endpoint)
        return SipCall(
            self.sandbox, self.events, endpoint, password, number, self.workdir, keys, silent
        )

    def call(self, endpoint: str, number: str, *keys: str) -> CallResult:
        return self.dial(endpoint, number, *keys).run()

    def db(self) -> dict[str, str]:
        """The runtime AstDB keys (``/gitops/agent/...``, ``/gitops/phone/...``, lockout)."""
        found: dict[str, str] = {}
        for tree in RUNTIME_TREES:
            reply = self.ami.request(Action("DBGetTree", (("Family", tree),)), check=False)
            found.update({e.get("Key"): e.get("Val") for e in reply.events if e.get("Key")})
        return found

    def members(self, queue: str) -> dict[str, dict[str, str]]:
        """The queue's members by interface: name, state interface, penalty, paused, reason."""
        reply = self.ami.request(Action("QueueStatus", (("Queue", queue),)))
        return {
            e.get("Location"): {
                "name": e.get("Name"),
                "state": e.get("StateInterface"),
                "penalty": e.get("Penalty"),
                "paused": e.get("Paused"),
                "reason": e.get("PausedReason"),
                "membership": e.get("Membership"),
            }
            for e in reply.events
            if e.get("Event") == "QueueMember"
        }

    def served_queues(self) -> list[str]:
        chosen = self.inventory.settings.server(SERVER)
        assert chosen is not None
        return [q.name for q in self.inventory.for_server(chosen).queues]

    def managed_files(self) -> dict[str, str]:
        return {name: self.sandbox.managed_file(name).read_text() for name in MANAGED}

    def reapply(self) -> None:
        """The center's inventory applied again if another test applied something else to
        the shared sandbox (the ``example`` fixture, the dump tests)."""
        if self.managed_files() == self.applied_files:
            return
        done = self.provisioner("apply", "--auto-approve", "--force")
        if done.returncode != 0:
            raise SandboxError(f"provisioner apply failed: {done.stdout}{done.stderr}")
        self.applied_files = self.managed_files()

    def reset(self) -> None:
        """The center's inventory applied, nobody logged in: no dynamic member, no session,
        claim or lockout in AstDB."""
        self.reapply()
        for queue in self.served_queues():
            for interface, member in self.members(queue).items():
                if member["membership"] == "dynamic":
                    action = Action("QueueRemove", (("Queue", queue), ("Interface", interface)))
                    self.ami.request(action)
        for tree in RUNTIME_TREES:
            self.ami.request(Action("DBDelTree", (("Family", tree),)), check=False)
        for server in self.agi:
            server.start()

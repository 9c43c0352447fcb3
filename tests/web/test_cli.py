"""``asterisk-gitops-web`` as a process: bad options, the AMI secret, start, SIGHUP reload."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from provisioner.model import Inventory, Server, Settings
from tests.example import copy_example
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.real.sandbox import free_port
from tests.web.harness import Stream, log_in
from web.__main__ import main, secrets_of


def test_bad_options_are_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = copy_example(tmp_path / "inventory")
    assert main(["--inventory", str(inventory), "--listen", "nowhere"]) == 1
    assert capsys.readouterr().err == "error: --listen wants HOST:PORT, got 'nowhere'\n"
    assert main(["--inventory", str(inventory), "--server", "pbx-rome"]) == 1
    assert "--server pbx-rome: no ami:// server of that name" in capsys.readouterr().err
    env = {k: v for k, v in os.environ.items() if not k.startswith("PBX_")}
    done = subprocess.run(
        [sys.executable, "-m", "web", "--inventory", str(inventory)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "the AMI secret is not set: export it in the environment variable" in done.stderr


def test_the_daemon_serves_and_reloads_on_sighup(
    tmp_path: Path, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    inventory = copy_example(tmp_path / "inventory", targets={"pbx-paris": ami_server.url})
    port, lock = free_port(), free_port()
    env = {**os.environ, "PBX_PARIS_AMI_SECRET": "gitops-secret"}
    command = [sys.executable, "-m", "web", "--inventory", str(inventory), "--server", "pbx-paris"]
    command += ["--listen", f"127.0.0.1:{port}", "--lock-listen", f"127.0.0.1:{lock}"]
    command += ["--reload-interval", "0"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/health").json()["servers"]["pbx-paris"]["ami"]:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        reply = httpx.post(f"{url}/api/session", json={"user": "sophie", "pin": "1234"})
        assert reply.json()["status"] != "unknown_agent"  # the example's supervisor
        settings = inventory / "settings.yaml"
        settings.write_text(settings.read_text().replace("- id: sophie", "- id: sophia"))
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            reply = httpx.post(f"{url}/api/session", json={"user": "sophie", "pin": "1234"})
            if reply.json()["status"] == "unknown_agent":
                break
            time.sleep(0.1)
        assert reply.json()["status"] == "unknown_agent"  # sophie is gone after the reload
        assert ami_server.session_count() == 1  # one AMI connection, whatever was asked
        stream = Stream(httpx.Client(base_url=url, timeout=30))
        log_in(stream.client, "1001", "1234")
        stream.start()  # an open event stream must not hold the stop up
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
        stream.close()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "inventory reloaded" in err or "HTTP service on" in err


def test_a_server_keeping_pjsip_in_astdb_is_served_too() -> None:
    inventory = Inventory(
        Settings(
            servers=(
                Server("paris", "ami+astdb://gitops@10.0.0.1:5038", secret_env="PARIS_AMI"),
                Server("lab", "dir:lab"),
            )
        ),
        (),
        (),
        (),
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PARIS_AMI", "s3cret")
        assert secrets_of(inventory, None) == {"paris": "s3cret"}

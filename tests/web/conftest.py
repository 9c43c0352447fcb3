"""The HTTP service in front of the fake Asterisk (its AMI server), with the AGI tests'
inventory plus a server, a supervisor and an API token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from provisioner.inventory.pins import MIN_ITERATIONS, hash_pin, hash_token
from provisioner.model import ApiToken, Inventory, Scope, Server, Supervisor
from tests.agi import inventory
from tests.agi.conftest import ENDPOINTS, pjsip_text
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.web.harness import WebService

SUPERVISOR_PIN = "9876"
TOKEN = "gitops_test-token-of-the-crm"
SERVER = "pbx"


def build(ami_url: str) -> Inventory:
    base = inventory.build()
    settings = replace(
        base.settings,
        servers=(Server(SERVER, ami_url, "PBX_SECRET"),),
        supervisors=(
            Supervisor("sophie", "Sophie", hash_pin(SUPERVISOR_PIN, iterations=MIN_ITERATIONS),
                       Scope(queues=("sales",))),
        ),
        tokens=(ApiToken("crm", hash_token(TOKEN), Scope(agents=("1002",))),),
    )  # fmt: skip
    return replace(base, settings=settings)


@pytest.fixture
def web(
    fake_asterisk: FakeAsterisk, ami_server: FakeAmiServer, tmp_path: Path
) -> Iterator[WebService]:
    fake_asterisk.set_config_text("queues_gitops.conf", "[support]\n\n[sales]\n")
    fake_asterisk.set_config_text("pjsip_gitops.conf", pjsip_text(ENDPOINTS))
    fake_asterisk.reload(None)
    for phone in inventory.ASSIGNED:
        fake_asterisk.set_registered(phone)
    url = f"ami://gitops@127.0.0.1:{ami_server.port}"
    service = WebService(tmp_path, lambda _root: build(url), {SERVER: "gitops-secret"})
    yield from service.running()

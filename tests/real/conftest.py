"""Fixtures of the real-Asterisk suite: one Asterisk 22 sandbox per test session.

Every test here is marked ``asterisk`` (``pytest -m asterisk`` runs only them,
``-m 'not asterisk'`` none of them). Where the sandbox is missing they are skipped with the
reason; where ``GITOPS_REQUIRE_ASTERISK`` is set (``.ci/run`` sets it) a skip is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner.inventory import load_inventory
from tests.example_repo import ENV, ExampleRepo
from tests.real import media
from tests.real.center import SERVER, Center
from tests.real.sandbox import AMI_SECRET, Sandbox, SandboxError, missing, required, sipp
from tests.web.harness import WebService
from web.service import ServiceConfig

PHONES = ("desk-paris-101", "desk-paris-102")  # registered for the whole session


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.asterisk)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Where the suite is compulsory, a skipped real-Asterisk test fails the run."""
    report = yield
    if required() and report.skipped and item.get_closest_marker("asterisk"):
        report.outcome = "failed"
        report.longrepr = f"skipped where the real-Asterisk suite is compulsory: {report.longrepr}"
    return report


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A real Asterisk 22.10.1 on free loopback ports, for the whole session."""
    why = missing()
    if why is not None:
        if required():
            pytest.fail(f"the real-Asterisk suite is compulsory here, but {why}")
        pytest.skip(why)
    try:
        started = Sandbox.start(tmp_path_factory.mktemp("asterisk"), media.setup)
    except SandboxError as e:
        pytest.fail(str(e))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def example(
    sandbox: Sandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ExampleRepo]:
    """The example inventory committed in a fresh git repo, pbx-paris's part applied to the
    sandbox (the sandbox is shared: each test applies what it needs)."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    repo = ExampleRepo(tmp_path, sandbox.ami_url, capsys)
    try:
        applied = repo.cli("apply", "--auto-approve", "--force")  # the sandbox is shared
        assert applied.code == 0, applied.err
        yield repo
    finally:
        repo.close()


@pytest.fixture(scope="session")
def center(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Center]:
    """The example inventory applied to the sandbox, both FastAGI servers, SIPp phones."""
    if sipp() is None:
        pytest.fail("SIPp is missing: apt-get install sip-tester")
    built = Center.build(sandbox, tmp_path_factory.mktemp("center"))
    try:
        built.start(PHONES)
        yield built
    finally:
        built.stop()


@pytest.fixture
def fresh(center: Center) -> Center:
    """The center with nobody logged in (state reset, Asterisk not restarted)."""
    center.reset()
    return center


@pytest.fixture
def web(fresh: Center) -> Iterator[WebService]:
    """The HTTP service (as asterisk-gitops-web runs it) in front of the sandbox's pbx-paris,
    the center reset; its lock listener on a free port."""
    service = WebService(
        fresh.inventory_dir,
        lambda root: load_inventory(root, use_cache=False),
        {SERVER: AMI_SECRET},
        ServiceConfig(lock_port=0),
    )
    yield from service.running()

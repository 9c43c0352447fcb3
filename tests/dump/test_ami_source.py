"""``AmiSource``: what provisioner dump reads over AMI (against the fake Asterisk).

tests/real/test_dump_real.py reads the real one.
"""

from __future__ import annotations

import pytest

from provisioner.errors import TargetError
from provisioner.targets.ami.source import AmiSource
from provisioner.targets.snapshot import SENSITIVE
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.ami_helpers import SECRET, closed_port

PJSIP = """\
[transport-udp]
type=transport
protocol=udp
[agent-tpl](!)
type=endpoint
context=from-sip
disallow=all
allow=ulaw
[1001](agent-tpl)
callerid="Ann Martin" <1001>
aors=1001
auth=1001
[1001]
type=aor
max_contacts=1
[1001]
type=auth
username=1001
password=Very-Secret-1001
[1002](agent-tpl)
media_encryption=bogus
#tryinclude pjsip_gitops.conf
"""
QUEUES = "[general]\npersistentmembers=yes\n[sales]\nstrategy=rrmemory\nmember => PJSIP/1001,1\n"


@pytest.fixture
def loaded(fake_asterisk: FakeAsterisk) -> FakeAsterisk:
    fake_asterisk.set_config_text("pjsip.conf", PJSIP)
    fake_asterisk.set_config_text("queues.conf", QUEUES)
    fake_asterisk.reload(None)
    return fake_asterisk


def test_it_reads_categories_with_their_templates_and_never_a_password(
    loaded: FakeAsterisk, ami_server: FakeAmiServer
) -> None:
    snapshot = AmiSource(ami_server.url, SECRET).read()
    endpoint, _aor, auth = (s for s in snapshot.pjsip if s.name == "1001")
    assert endpoint.templates == ("agent-tpl",)
    assert endpoint.options[:2] == (("type", "endpoint"), ("context", "from-sip"))
    assert auth.get("password") == SENSITIVE
    assert "Very-Secret" not in repr(snapshot)
    assert snapshot.templates == (("agent-tpl", "pjsip.conf"),)
    assert [s.name for s in snapshot.queues] == ["general", "sales"]


def test_it_tells_which_endpoints_asterisk_runs(
    loaded: FakeAsterisk, ami_server: FakeAmiServer
) -> None:
    snapshot = AmiSource(ami_server.url, SECRET).read()
    assert {s.name for s in snapshot.pjsip if s.type == "endpoint"} == {"1001", "1002"}
    assert snapshot.live_endpoints == frozenset({"1001"})  # 1002 was dropped at load


def test_live_members_come_with_the_read(loaded: FakeAsterisk, ami_server: FakeAmiServer) -> None:
    loaded.queue_add("sales", "Local/ann@gitops-agents", penalty=2)
    snapshot = AmiSource(ami_server.url, SECRET).read()
    assert {(m.interface, m.penalty, m.dynamic) for m in snapshot.members} == {
        ("PJSIP/1001", 1, False),
        ("Local/ann@gitops-agents", 2, True),
    }


def test_an_unreachable_asterisk_is_one_sentence() -> None:
    url = f"ami://gitops@127.0.0.1:{closed_port()}"
    with pytest.raises(TargetError, match="is unreachable"):
        AmiSource(url, SECRET, timeout=2).read()


def test_a_config_asterisk_refuses_is_named(
    fake_asterisk: FakeAsterisk, ami_server: FakeAmiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes import ami_actions, ami_protocol

    def invalid(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> object:
        return ami_protocol.error(aid, "Config file has invalid format")

    monkeypatch.setitem(ami_actions.HANDLERS, "getconfig", invalid)
    with pytest.raises(TargetError, match=r"cannot read its own pjsip\.conf") as caught:
        AmiSource(ami_server.url, SECRET).read()
    assert "fix it, then run dump again" in str(caught.value)


def test_an_astdb_target_is_refused_rather_than_dumped_without_its_pjsip_objects() -> None:
    with pytest.raises(TargetError, match="not those kept in AstDB"):
        AmiSource("ami+astdb://gitops@127.0.0.1:5038", SECRET)

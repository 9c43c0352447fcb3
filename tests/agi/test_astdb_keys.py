"""Sessions and lockouts are cleared key by key: db.c's DELTREE matches with LIKE.

``DELETE FROM astdb WHERE key || '/' LIKE ? || '/' || '%'`` has no ESCAPE, so ``_`` in an
agent id matches any character and letters match either case: DELTREE of ``a_b`` would take
``a-b``'s session too. The fake deletes trees the same way, so these tests see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner.model import Inventory
from tests.agi import inventory
from tests.agi.conftest import Live, serve
from tests.agi.inventory import PIN
from tests.fakes.asterisk import FakeAsterisk

OTHER_SESSION = {
    "/gitops/agent/a-b/dial": "PJSIP/a-b",
    "/gitops/agent/a-b/interface": "internal",
    "/gitops/agent/a-b/queues": "support",
    "/gitops/agent/a-b/since": "1700000000",
    "/gitops/agent/A_B/since": "1700000000",
    "/gitops/agent/axb/since": "1700000000",
    "/gitops/lockout/a-b/failures": "2",
    "/gitops/lockout/A_B/until": "1900000000",
}


def _build() -> Inventory:
    return inventory.build(extra=(inventory.agent("a_b", "2100"),))


@pytest.fixture
def live_ab(fake_asterisk: FakeAsterisk, tmp_path: Path) -> Iterator[Live]:
    yield from serve(fake_asterisk, tmp_path, _build)


def _seed(live: Live) -> None:
    for path, value in OTHER_SESSION.items():
        family, _, key = path.strip("/").rpartition("/")
        live.asterisk.db_put(family, key, value)


def test_the_fake_deletes_a_tree_with_sqlite_like_semantics(fake_asterisk: FakeAsterisk) -> None:
    for agent_id in ("a_b", "a-b", "A_B", "axb", "ab", "a_bc", "Änn"):
        fake_asterisk.db_put(f"gitops/agent/{agent_id}", "since", "1")
    fake_asterisk.db_put("gitops/agent/änn", "since", "1")
    assert fake_asterisk.db_deltree("gitops/agent/a_b") == 4
    assert fake_asterisk.db_deltree("gitops/agent", "Änn") == 1  # only ASCII case is folded
    assert sorted(fake_asterisk.db_tree("gitops")) == [
        "/gitops/agent/a_bc/since",
        "/gitops/agent/ab/since",
        "/gitops/agent/änn/since",
    ]


def test_logging_out_a_b_leaves_the_sessions_of_a_dash_b_and_others_intact(live_ab: Live) -> None:
    _seed(live_ab)
    result = live_ab.call("login", "PJSIP/a_b-00000001", dtmf=["1#"])
    assert result.variables["GITOPS_STATUS"] == "ok"
    assert "/gitops/agent/a_b/since" in live_ab.db()
    result = live_ab.call("logout", "PJSIP/a_b-00000002")
    assert result.variables["GITOPS_STATUS"] == "ok"
    assert live_ab.db() == OTHER_SESSION
    assert live_ab.members("support") == {}


def test_a_good_pin_clears_only_its_own_agent_s_failures(live_ab: Live) -> None:
    _seed(live_ab)
    live_ab.asterisk.db_put("gitops/lockout/a_b", "failures", "1")
    result = live_ab.call("login", "PJSIP/ph-c-00000001", dtmf=["2100#", f"{PIN}#", "1#"])
    assert result.variables["GITOPS_STATUS"] == "ok"
    left = {k: v for k, v in live_ab.db().items() if "lockout" in k}
    assert left == {k: v for k, v in OTHER_SESSION.items() if "lockout" in k}

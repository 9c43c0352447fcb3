"""Free text in application arguments reaches app_queue as written (app.c's argument split).

app.c does not split on a comma while a ``(`` or ``[`` is open, so an unescaped display name
``Ann (Paris`` would swallow the state interface that follows it into the member name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner.model import Inventory
from runtime.queues import member_interface
from tests.agi import inventory
from tests.agi.conftest import Live, serve
from tests.fakes.agi_apps import separate_args
from tests.fakes.asterisk import FakeAsterisk

NAMES = {
    "z01": "Ann (Paris",
    "z02": "Bob [night",
    "z03": "Cy) close] only",
    "z04": "Di (Lyon) [day] x",
    "z05": "Ed, Jr (Nice",
}


def _build() -> Inventory:
    extra = tuple(
        inventory.agent(agent_id, f"21{n:02d}", name=name)
        for n, (agent_id, name) in enumerate(NAMES.items())
    )
    return inventory.build(extra=extra)


@pytest.fixture
def live_names(fake_asterisk: FakeAsterisk, tmp_path: Path) -> Iterator[Live]:
    yield from serve(fake_asterisk, tmp_path, _build)


def test_the_fake_splits_application_arguments_as_app_c_does() -> None:
    data = "support,Local/z01@gitops-agents,1,,Ann (Paris,PJSIP/z01"
    assert separate_args(data, 7)[4] == "Ann (Paris,PJSIP/z01"  # the ( is still open
    escaped = r"support,Local/z01@gitops-agents,1,,Ann \(Paris \"x\" \\,PJSIP/z01"
    assert separate_args(escaped, 7)[4:] == ['Ann (Paris "x" \\', "PJSIP/z01"]
    assert separate_args('a,"b,c",(d,e),[f,g],h\\,i,', 0) == [
        "a",
        "b,c",
        "(d,e)",
        "[f,g]",
        "h,i",
        "",
    ]
    assert separate_args("q,Local/x,1,,n,s,0,extra,more", 7)[6] == "0,extra,more"


def test_display_names_with_open_brackets_keep_their_state_interface(live_names: Live) -> None:
    for agent_id, name in NAMES.items():
        result = live_names.call("login", f"PJSIP/{agent_id}-00000001", dtmf=["1#"])
        assert result.variables["GITOPS_STATUS"] == "ok", agent_id
        member = live_names.members("support")[member_interface(agent_id)]
        assert member[:2] == (name.replace(",", " "), f"PJSIP/{agent_id}")

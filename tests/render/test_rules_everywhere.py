"""Every kind of render refusal validate reports sits on its own field's key, path by index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from provisioner.errors import InventoryError
from provisioner.inventory import load_inventory

ROOT = Path(__file__).parent.parent / "fixtures" / "render" / "refused-everywhere"
INDEX_PATH = re.compile(r"^(settings|(agents|phones|queues)\[\d+\])(\.[a-z_]+|\[\d+\])+$")


def test_each_refusal_is_at_the_key_of_its_field() -> None:
    with pytest.raises(InventoryError) as caught:
        load_inventory(ROOT, use_cache=False)
    problems = caught.value.problems
    assert {p.path for p in problems} == {
        "agents[0].name",
        "agents[0].mobile",
        "agents[1].id",
        "agents[1].voice.callerid",
        "phones[0].name",
        "phones[0].voice.type",
        "settings.agi.host",
    }
    for problem in problems:
        assert INDEX_PATH.match(problem.path), problem.path  # never agents[id=ann]
        line = Path(problem.file).read_text().splitlines()[problem.line - 1]
        key = problem.path.rsplit(".", 1)[-1]
        assert line[problem.column - 1 :].startswith(f"{key}:"), (str(problem), line)

"""Names Asterisk compares ignoring case (config.c's does_category_match uses strcasecmp).

``[Ann]`` and ``[ann]`` are one section to UpdateConfig's DelCat, Append and RenameCat, so
endpoint ids (agents and phones together) and queue names that differ only in ASCII case
are refused: by validate at the second one's line, by render for an inventory built in code.
"""

from __future__ import annotations

import pytest

from provisioner.model import Inventory, Queue, Settings, Source
from provisioner.render.rules import check, name_key
from tests.render.sample import agent, phone

from .conftest import FIXTURES, problems_of


def test_the_first_of_two_ids_alike_is_named_with_its_file_and_line() -> None:
    (problem,) = problems_of(FIXTURES / "duplicate-id-case")
    first = FIXTURES / "duplicate-id-case" / "agents" / "lyon.yaml"
    assert problem.message == (
        f"the endpoint name 'Ann' is already used by agent ann ({first}:6): Asterisk compares"
        " these names ignoring case, so they name one object"
    )


def test_an_exact_duplicate_says_nothing_about_case() -> None:
    (problem,) = problems_of(FIXTURES / "duplicate-id")
    assert "ignoring case" not in problem.message


def test_a_queue_named_alike_names_the_first_queue() -> None:
    (problem,) = problems_of(FIXTURES / "duplicate-queue-case")
    first = FIXTURES / "duplicate-queue-case" / "queues.yaml"
    assert f"is already used by queue sales ({first}:2)" in problem.message


@pytest.mark.parametrize(
    ("name", "key"),
    [("Ann", "ann"), ("ANN-b.2_X", "ann-b.2_x"), ("ann", "ann"), ("Émile", "Émile")],
)
def test_only_ascii_letters_are_folded_like_strcasecmp(name: str, key: str) -> None:
    assert name_key(name) == key


def _queue(name: str, line: int) -> Queue:
    return Queue(name, source=Source("inventory/queues.yaml", line, 5))


def test_render_refuses_endpoints_and_queues_named_alike_without_a_loader() -> None:
    inv = Inventory(
        settings=Settings(),
        agents=(agent("ann", 2, extension="1001"), agent("Bob", 8, extension="1002")),
        phones=(phone("ANN", "201", 4), phone("bob", "202", 6)),
        queues=(_queue("sales", 2), _queue("Sales", 4)),
    )
    found = [(p.path, p.line, p.message) for p in check(inv)]
    note = " (Asterisk compares these names ignoring case)"
    assert found == [
        ("phones[id=ANN].id", 4, f"'ANN' is also the id of agent ann{note}"),
        ("phones[id=bob].id", 6, f"'bob' is also the id of agent Bob{note}"),
        ("queues[name=Sales].name", 4, f"'Sales' is also the name of queue sales{note}"),
    ]

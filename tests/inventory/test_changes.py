"""The field-level account of YAML changes between two revisions (issue 15 item 12), on real
edits of the example committed in a git repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.inventory.changes import SENSITIVE, inventory_changes
from tests.example_repo import ExampleRepo

SALES, SUPPORT = "agents/sales.yaml", "agents/support.yaml"
DAVID = "pbkdf2_sha256$60000$UtmGictUkDV9GV3SA2DNxQ==$pQHfqK/0Olxp2bktrv9AxDtTXaWWgI5RpAV7UssBbdE="


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> ExampleRepo:
    return ExampleRepo(tmp_path, "dir:unused", capsys)


def _edit(repo: ExampleRepo) -> tuple[str, str]:
    """A week of edits as people make them; (revision before, revision after)."""
    before = repo.repo.head.commit.hexsha
    repo.edit(SALES, "{queue: sales, penalty: 2}", "{queue: sales, penalty: 4}")  # chloe
    repo.edit(SUPPORT, "codecs: [g722, ulaw, alaw, gsm]", "codecs: [g722, ulaw]")  # iris
    repo.edit(SUPPORT, "sms: {enabled: true, capacity: 4}", "sms: {enabled: true, capacity: 5}")
    sales = (repo.inventory / SALES).read_text()
    david = sales[sales.index("  - id: david") : sales.index("  - id: emma")]
    repo.edit(SALES, david, "")  # david leaves
    frank = david.replace("david", "frank").replace("David Leroy", "Frank Roux")
    frank = frank.replace('"1004"', '"1006"').replace(
        "    voice:\n", "    secret: {env: SIP_FRANK}\n    voice:\n"
    )
    repo.edit(SALES, "  - id: emma", frank + "  - id: emma")  # frank joins, same PIN
    support = (repo.inventory / SUPPORT).read_text()
    hugo = support[support.index("  - id: hugo") : support.index("  - id: iris")]
    repo.edit(SUPPORT, hugo, "")  # hugo moves to a file of his own: no change
    (repo.inventory / "agents" / "night.yaml").write_text("agents:\n" + hugo)
    repo.edit("settings.yaml", "attempts: 3", "attempts: 5")
    repo.edit(
        "settings.yaml",
        "agents: [ann, bruno, chloe, david, emma]",
        "agents: [ann, bruno, chloe, emma, frank]",
    )
    return before, repo.commit("a week of edits")


def test_every_edit_is_accounted_for_field_by_field(repo: ExampleRepo) -> None:
    before, after = _edit(repo)
    account = inventory_changes(repo.inventory, before, after, ref=after)
    assert (account.old, account.new, account.note) == (before, after, "")
    got = [(c.action, c.path, c.old, c.new) for c in account.changes]
    assert got[:2] == [
        ("change", "settings.lockout.attempts", "3", "5"),
        (
            "change",
            "settings.servers[pbx-paris].agents",
            "[ann, bruno, chloe, david, emma]",
            "[ann, bruno, chloe, emma, frank]",
        ),
    ]
    assert got[2] == ("change", "agents[chloe].queues[sales].penalty", "2", "4")
    removed, added = got[3], got[4]
    assert removed[:2] == ("remove", "agents[david]")
    assert removed[2].startswith("{id: david, name: David Leroy, extension: '1004', pin: ")
    assert f"pin: {SENSITIVE}" in removed[2] and DAVID not in removed[2]
    assert added[:2] == ("add", "agents[frank]")
    assert f"pin: {SENSITIVE}" in added[3] and f"secret: {SENSITIVE}" in added[3]
    assert "SIP_FRANK" not in added[3]
    assert got[5:] == [
        ("change", "agents[iris].channels.sms.capacity", "4", "5"),
        ("change", "agents[iris].voice.codecs", "[g722, ulaw, alaw, gsm]", "[g722, ulaw]"),
    ]
    assert not any("hugo" in c.path for c in account.changes)  # moved between files only


def test_a_secret_change_says_so_without_the_values(repo: ExampleRepo) -> None:
    before = repo.repo.head.commit.hexsha
    sales = (repo.inventory / SALES).read_text()
    ann_pin = sales.split("pin: ")[1].splitlines()[0]
    repo.edit(SALES, ann_pin, ann_pin.replace("$60000$", "$60001$"))
    repo.edit(SUPPORT, "derive: agent/hugo-2026", "derive: agent/hugo-2027")
    after = repo.commit("new PIN for ann, hugo's password rotated")
    account = inventory_changes(repo.inventory, before, after, ref=after)
    assert [(c.path, c.old, c.new) for c in account.changes] == [
        ("agents[ann].pin", SENSITIVE, SENSITIVE),
        ("agents[hugo].secret.derive", SENSITIVE, SENSITIVE),
    ]
    shown = repr(account)
    assert ann_pin not in shown and "hugo-2026" not in shown and "hugo-2027" not in shown


def test_a_server_sees_its_own_part(repo: ExampleRepo) -> None:
    before, after = _edit(repo)
    paris = inventory_changes(repo.inventory, before, after, ref=after, server="pbx-paris")
    lyon = inventory_changes(repo.inventory, before, after, ref=after, server="pbx-lyon")
    assert {c.path for c in paris.changes} == {
        "settings.lockout.attempts",
        "settings.servers[pbx-paris].agents",
        "agents[chloe].queues[sales].penalty",
        "agents[david]",  # served by pbx-paris at the applied revision
        "agents[frank]",  # served by pbx-paris now
    }
    assert {c.path for c in lyon.changes} == {
        "settings.lockout.attempts",
        "agents[iris].channels.sms.capacity",
        "agents[iris].voice.codecs",
    }


def test_uncommitted_edits_and_unreadable_revisions(repo: ExampleRepo) -> None:
    before = repo.repo.head.commit.hexsha
    repo.edit(SALES, "{queue: sales, penalty: 2}", "{queue: sales, penalty: 3}")
    on_disk = inventory_changes(repo.inventory, before, f"{before}-dirty")
    assert [c.path for c in on_disk.changes] == ["agents[chloe].queues[sales].penalty"]
    dirty = inventory_changes(repo.inventory, f"{before}-dirty", before)
    assert dirty.changes == () and "uncommitted files" in dirty.note
    gone = inventory_changes(repo.inventory, "0" * 40, before)
    assert gone.changes == ()
    assert gone.note == (
        f"unknown git revision '{'0' * 40}'; fetch the full git history "
        "(fetch-depth: 0, GIT_DEPTH: 0)"
    )

"""The cache remembers whole inventories that passed every check: an unchanged inventory
skips the cross-reference and render checks, any change brings every check back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provisioner.errors import InventoryError
from provisioner.inventory import checks, load_inventory
from provisioner.inventory.cache import inventory_key
from provisioner.inventory.context import Context, Finding
from provisioner.render import rules

from .conftest import EXAMPLE, FIXTURES


def _copy(name: str, tmp_path: Path) -> Path:
    root = tmp_path / "inv"
    shutil.copytree(FIXTURES / name, root)
    return root


def _no_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("a check ran for an inventory known to be valid")

    monkeypatch.setattr(checks, "run_all", refuse)
    monkeypatch.setattr(rules, "findings", refuse)


def test_an_unchanged_valid_inventory_skips_the_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    cold = load_inventory(EXAMPLE, cache_dir=cache)
    assert len(list(cache.glob("*.valid"))) == 1
    _no_checks(monkeypatch)
    assert load_inventory(EXAMPLE, cache_dir=cache) == cold


def test_a_change_that_breaks_a_cross_reference_is_reported(tmp_path: Path) -> None:
    root = _copy("valid-minimal", tmp_path)
    cache = tmp_path / "cache"
    load_inventory(root, cache_dir=cache)
    queues = root / "queues.yaml"
    queues.write_text(queues.read_text().replace("sales", "support"))
    with pytest.raises(InventoryError) as caught:
        load_inventory(root, cache_dir=cache)
    assert "sales" in caught.value.problems[0].message


def test_the_same_files_under_other_names_are_checked_again(tmp_path: Path) -> None:
    files = [("agents.yaml", "agents", b"agents: []\n"), ("queues.yaml", "queues", b"")]
    renamed = [("agents/a.yaml", "agents", b"agents: []\n"), ("queues.yaml", "queues", b"")]
    assert inventory_key(files) != inventory_key(renamed)
    assert inventory_key(files) == inventory_key(list(files))


def test_an_invalid_inventory_is_not_remembered(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for _ in range(2):
        with pytest.raises(InventoryError):
            load_inventory(FIXTURES / "unknown-queue", cache_dir=cache)
    assert not list(cache.glob("*.valid"))


def test_without_the_cache_every_check_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy("valid-minimal", tmp_path)
    runs: list[Context] = []
    real = checks.run_all

    def counted(context: Context) -> list[Finding]:
        runs.append(context)
        return real(context)

    monkeypatch.setattr(checks, "run_all", counted)
    load_inventory(root, use_cache=False)
    load_inventory(root, use_cache=False)
    assert len(runs) == 2

"""The content-hash cache: same answers, changed files re-checked, bad entries ignored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provisioner.errors import InventoryError
from provisioner.inventory import load_inventory
from provisioner.inventory.cache import FileCache, content_key

from .conftest import EXAMPLE, FIXTURES


def test_cache_hit_gives_the_same_inventory(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = load_inventory(EXAMPLE, cache_dir=cache)
    assert len(list(cache.glob("*.marshal"))) == 5
    warm = load_inventory(EXAMPLE, cache_dir=cache)
    assert warm == cold


def test_cached_problems_are_reported_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    root = FIXTURES / "unquoted-extension"
    with pytest.raises(InventoryError) as first:
        load_inventory(root, cache_dir=cache)
    with pytest.raises(InventoryError) as second:
        load_inventory(root, cache_dir=cache)
    assert second.value.problems == first.value.problems
    assert 'quote it, e.g. "0100"' in second.value.problems[0].message


def test_a_changed_file_is_validated_again(tmp_path: Path) -> None:
    root = tmp_path / "inv"
    shutil.copytree(FIXTURES / "valid-minimal", root)
    cache = tmp_path / "cache"
    load_inventory(root, cache_dir=cache)
    agents = root / "agents.yaml"
    agents.write_text(agents.read_text().replace("penalty: 1", "penalty: -1"))
    with pytest.raises(InventoryError) as caught:
        load_inventory(root, cache_dir=cache)
    assert caught.value.problems[0].path == "agents[0].queues[0].penalty"


def test_without_the_cache_nothing_is_written(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_inventory(FIXTURES / "valid-minimal", use_cache=False, cache_dir=cache)
    assert not cache.exists()


def test_unreadable_entry_is_a_miss(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    key = content_key(b"agents: []\n")
    (tmp_path / f"{key}.marshal").write_bytes(b"\x00garbage")
    assert cache.get(key) is None
    assert cache.misses == 1

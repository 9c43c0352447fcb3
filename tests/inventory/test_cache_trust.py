"""The cache cannot change what is applied: it is never read from the checkout under review,
its entries are authenticated with a key that is not in git, and a committed cache file is
an error."""

from __future__ import annotations

import logging
import marshal
import shutil
from pathlib import Path

import git
import pytest

from provisioner.errors import InventoryError
from provisioner.inventory import load_inventory
from provisioner.inventory.cache import FORMAT, content_key

from .conftest import FIXTURES

LEGACY = ".provisioner-cache"  # where releases before this one kept it: beside the inventory


def _checkout(tmp_path: Path) -> Path:
    """A checkout whose queue says timeout 20, and a forged cache entry saying 99."""
    root = tmp_path / "repo" / "inventory"
    shutil.copytree(FIXTURES / "valid-minimal", root)
    queues = root / "queues.yaml"
    queues.write_text("queues:\n  - name: sales\n    timeout: 20\n")
    forged = {
        "format": FORMAT,
        "data": {"queues": [{"name": "sales", "timeout": 99}]},
        "marks": ((2, 5),),
        "findings": (),
        "parsed": True,
    }
    entry = root.parent / LEGACY / f"{content_key(queues.read_bytes())}.marshal"
    entry.parent.mkdir()
    entry.write_bytes(marshal.dumps(forged))
    return root


def test_a_cache_entry_in_the_checkout_is_never_read(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    assert load_inventory(root).queues[0].timeout == 20


def test_a_committed_cache_file_is_an_error(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    repo = git.Repo.init(root.parent)
    repo.git.add(".")
    repo.index.commit("a pull request adding a cache entry")
    for ref in (None, "HEAD"):
        with pytest.raises(InventoryError) as caught:
            load_inventory(root, ref=ref)
        (problem,) = caught.value.problems
        assert problem.file.endswith(".marshal") and LEGACY in problem.file
        assert "is tracked by git: a cache file must never be committed" in problem.message


def test_a_forged_entry_in_the_cache_itself_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _checkout(tmp_path)
    cache = tmp_path / "cache"
    assert load_inventory(root, cache_dir=cache).queues[0].timeout == 20
    key = content_key((root / "queues.yaml").read_bytes())
    forged = (root.parent / LEGACY / f"{key}.marshal").read_bytes()
    (cache / f"{key}.marshal").write_bytes(forged)  # someone who can write there, not read
    for marker in cache.glob("*.valid"):
        marker.write_bytes(b"")
    caplog.set_level(logging.WARNING)
    assert load_inventory(root, cache_dir=cache).queues[0].timeout == 20
    assert "not authentic" in caplog.text


def test_a_cache_directory_inside_a_checkout_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    root = _checkout(tmp_path)
    git.Repo.init(root.parent)
    inside = root.parent / "ci-cache"
    monkeypatch.setenv("GITOPS_CACHE_DIR", str(inside))
    caplog.set_level(logging.WARNING)
    assert load_inventory(root).queues[0].timeout == 20
    assert not inside.exists()
    assert "inside the git checkout" in caplog.text


def test_the_default_cache_is_outside_the_inventory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITOPS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "inv"
    shutil.copytree(FIXTURES / "valid-minimal", root)
    load_inventory(root)
    assert not (tmp_path / LEGACY).exists()
    cache = tmp_path / "xdg" / "asterisk-gitops"
    assert list(cache.glob("*.marshal"))
    assert (cache / "key").stat().st_mode & 0o077 == 0


def test_a_cache_others_can_write_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _checkout(tmp_path)
    cache = tmp_path / "cache"
    load_inventory(root, cache_dir=cache)
    cache.chmod(0o777)  # say, a shared /tmp directory someone else made
    caplog.set_level(logging.WARNING)
    assert load_inventory(root, cache_dir=cache).queues[0].timeout == 20
    assert "is not private to this user" in caplog.text

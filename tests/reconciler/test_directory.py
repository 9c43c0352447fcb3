import json
import os
from pathlib import Path

import pytest

from provisioner.errors import TargetError
from provisioner.render.objects import PJSIP_FILE, QUEUES_FILE, ConfigObject
from provisioner.targets.base import ObjectChange, StateRecord
from provisioner.targets.directory import LOCK_FILE, STATE_FILE, DirectoryTarget
from tests.reconciler.objects import agent_objects, aor, endpoint, queue


def _create(target: DirectoryTarget, objects: list[ConfigObject]) -> None:
    target.write([ObjectChange("create", None, o) for o in objects])


def test_missing_directory_is_empty_state(tmp_path: Path) -> None:
    actual = DirectoryTarget(tmp_path / "nowhere").read()
    assert actual.objects == ()
    assert actual.record == StateRecord(None, frozenset())


def test_write_then_read_round_trips_same_named_objects(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path / "cfg")
    objects = [*agent_objects("1001"), queue("sales")]
    _create(target, objects)
    got = target.read().objects
    assert [(o.key, o.options) for o in got] == [(o.key, o.options) for o in objects]
    assert sorted(p.name for p in (tmp_path / "cfg").iterdir()) == [PJSIP_FILE, QUEUES_FILE]


def test_update_in_place_delete_and_keep_others(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path)
    first, second = agent_objects("1001"), agent_objects("1002")
    _create(target, first + second)
    target.write(
        [
            ObjectChange("update", first[1], aor("1001", max_contacts="5")),
            ObjectChange("delete", second[0], None),
        ]
    )
    got = {o.key: o for o in target.read().objects}
    assert got[first[1].key].get("max_contacts") == "5"
    assert second[0].key not in got
    assert second[1].key in got and first[0].key in got


def test_no_temporary_files_left_and_mode_kept(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path)
    _create(target, agent_objects("1001"))
    path = tmp_path / PJSIP_FILE
    assert path.stat().st_mode & 0o777 == 0o640
    os.chmod(path, 0o600)
    _create(target, [endpoint("1002")])
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [PJSIP_FILE]


def test_unwritable_directory_is_a_target_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(TargetError, match="cannot create the directory"):
        _create(DirectoryTarget(blocker / "sub"), agent_objects("1001"))


def test_record_round_trip(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path)
    record = StateRecord("abc123", frozenset(o.key for o in agent_objects("1001")))
    target.save_record(record)
    assert target.read().record == record
    assert json.loads((tmp_path / STATE_FILE).read_text())["revision"] == "abc123"


def test_record_round_trip_with_objects_that_failed_verification(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path)
    keys = frozenset(o.key for o in agent_objects("1001"))
    record = StateRecord("abc123", keys, frozenset({agent_objects("1001")[0].key}))
    target.save_record(record)
    assert target.read().record == record
    target.save_record(StateRecord("abc123", keys))
    assert target.read().record.unverified == frozenset()
    assert "unverified" not in json.loads((tmp_path / STATE_FILE).read_text())


def test_corrupt_record_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text("{broken")
    with pytest.raises(TargetError, match=r"state record .* is unreadable"):
        DirectoryTarget(tmp_path).read()


def test_unparsable_file_names_target(tmp_path: Path) -> None:
    (tmp_path / QUEUES_FILE).write_text("[sales\nstrategy=ringall\n")
    with pytest.raises(TargetError, match=rf"dir:{tmp_path}"):
        DirectoryTarget(tmp_path).read()


def test_lock_is_exclusive_names_holder_and_is_released(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path)
    with target.lock("ci@runner-1 pid 42"):
        assert (tmp_path / LOCK_FILE).exists()
        other = DirectoryTarget(tmp_path).lock("someone else")
        with pytest.raises(TargetError, match="locked by ci@runner-1 pid 42 since"), other:
            pass
    assert not (tmp_path / LOCK_FILE).exists()
    with target.lock("next"):
        pass


def test_lock_released_on_error(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path)
    with pytest.raises(RuntimeError), target.lock("me"):
        raise RuntimeError("boom")
    assert not (tmp_path / LOCK_FILE).exists()


def test_verify_reports_missing_objects(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path)
    objects = agent_objects("1001")
    _create(target, objects[:2])
    failures = target.verify([o.key for o in objects])
    assert list(failures) == [objects[2].key]
    assert "auth 1001 is not in pjsip_gitops.conf" in failures[objects[2].key]


def _refusing_the_second(monkeypatch: pytest.MonkeyPatch, refused: str) -> list[str]:
    """os.replace as the directory target sees it, failing when it would switch ``refused``
    into place (EACCES, as for a file made immutable): the second file of a write."""
    real = os.replace
    switched: list[str] = []

    def replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == refused:
            raise PermissionError(13, "Permission denied", str(src))
        real(src, dst)
        switched.append(Path(dst).name)

    monkeypatch.setattr("provisioner.targets.directory.os.replace", replace)
    return switched


def test_a_write_refused_half_way_changes_no_file_and_names_the_real_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = DirectoryTarget(tmp_path)
    _create(target, [*agent_objects("1001"), queue("sales")])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    _refusing_the_second(monkeypatch, QUEUES_FILE)
    changes = [ObjectChange("create", None, o) for o in [endpoint("1002"), queue("support")]]
    with pytest.raises(TargetError) as caught:
        target.write(changes)
    message = str(caught.value)
    assert f"cannot write {tmp_path / QUEUES_FILE}: Permission denied" in message
    assert "nothing was changed" in message and ".tmp" not in message
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no leftovers


def test_a_new_file_is_removed_again_when_the_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = DirectoryTarget(tmp_path)
    _refusing_the_second(monkeypatch, QUEUES_FILE)
    with pytest.raises(TargetError, match="nothing was changed"):
        _create(target, [*agent_objects("1001"), queue("sales")])
    assert list(tmp_path.iterdir()) == []

"""examples/ci/.gitlab-ci.yml: its script lines run in bash as gitlab-runner runs them, with a
stub CLI (every exit code) and with the real CLI on a two-server inventory in a git repo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.examples.cases import MARKER, PLAN_MD, delete_most_of_pbx1, inventory_repo
from tests.examples.ci_runner import (
    GITLAB,
    base_env,
    gitlab_script,
    load,
    run_bash,
    run_gitlab_job,
    stub_bin,
)
from tests.examples.notes_api import NOTES, NotesApi
from tests.reconciler.cli_helpers import ENV


@pytest.fixture
def config() -> dict[str, Any]:
    return load(GITLAB)


def _stubbed(
    tmp_path: Path, api: NotesApi, code: int, err: str = "", out: str = PLAN_MD
) -> dict[str, str]:
    env = base_env(stub_bin(tmp_path / "bin"), STUB_LOG=str(tmp_path / "calls.log"), **api.env)
    env.update({"STUB_CODE_plan": str(code), "STUB_OUT_plan": out if code != 1 else ""})
    env["STUB_ERR_plan"] = err
    return env


@pytest.mark.parametrize("code", [0, 2])
def test_plan_job_posts_the_plan_and_passes_with_or_without_changes(
    config: dict[str, Any], tmp_path: Path, code: int
) -> None:
    with NotesApi() as api:
        job = run_gitlab_job(config, "plan", _stubbed(tmp_path, api, code), tmp_path)
    assert job.returncode == 0, job.stdout + job.stderr
    ((method, path, token, body),) = api.posted()
    assert (method, path, token) == ("POST", NOTES, "note-token")
    assert body is not None and body["body"] == PLAN_MD
    called = (tmp_path / "calls.log").read_text()
    assert called == "plan --target all --format markdown --detailed-exitcode\n"


def test_plan_job_fails_when_the_plan_fails_after_posting_why(
    config: dict[str, Any], tmp_path: Path
) -> None:
    err = "error: pbx1 (ami://gitops@10.0.1.10:5038) is unreachable\n"
    with NotesApi() as api:
        job = run_gitlab_job(config, "plan", _stubbed(tmp_path, api, 1, err), tmp_path)
    assert job.returncode == 1, job.stdout  # the issue: `code=$?` on its own line passed
    ((_, _, _, body),) = api.posted()
    assert body is not None
    assert body["body"].startswith(f"{MARKER}\n## asterisk-gitops plan failed")
    assert "is unreachable" in body["body"]


def test_plan_job_fails_with_3_when_the_thresholds_refuse_the_plan(
    config: dict[str, Any], tmp_path: Path
) -> None:
    warning = "warning: pbx1: refusing to delete 12 of 20 managed objects: 60.00% is over 30.00%\n"
    with NotesApi() as api:
        job = run_gitlab_job(config, "plan", _stubbed(tmp_path, api, 3, warning), tmp_path)
    assert job.returncode == 3, job.stdout
    ((_, _, _, body),) = api.posted()
    assert body is not None and body["body"].startswith(PLAN_MD)
    assert "refusing to delete 12 of 20" in body["body"]  # the reviewers see why


def test_plan_job_edits_its_own_note_instead_of_adding_one(
    config: dict[str, Any], tmp_path: Path
) -> None:
    notes = [{"id": 5, "body": "LGTM"}, {"id": 9, "body": f"{MARKER}\nold plan"}]
    with NotesApi(notes) as api:
        job = run_gitlab_job(config, "plan", _stubbed(tmp_path, api, 2), tmp_path)
    assert job.returncode == 0, job.stderr
    assert [(m, p) for m, p, _, _ in api.posted()] == [("PUT", f"{NOTES}/9")]


def test_the_emulated_runner_masks_a_status_read_on_its_own_line(tmp_path: Path) -> None:
    # why the runner emulation echoes each line: the old example's lines passed a failed plan
    old = ["set +e", "false", "code=$?", "set -e", 'test "$code" -ne 1']
    assert run_bash(gitlab_script(old), base_env(), tmp_path).returncode == 0
    assert run_bash("\n".join(old), base_env(), tmp_path).returncode == 1  # a plain script


@pytest.mark.parametrize(("job", "code"), [("validate", 1), ("apply", 1), ("drift", 2)])
def test_other_jobs_fail_with_the_command(
    config: dict[str, Any], tmp_path: Path, job: str, code: int
) -> None:
    env = base_env(stub_bin(tmp_path / "bin"), STUB_LOG=str(tmp_path / "calls.log"))
    assert run_gitlab_job(config, job, env, tmp_path).returncode == 0
    env[f"STUB_CODE_{job}"] = str(code)
    assert run_gitlab_job(config, job, env, tmp_path).returncode == code
    assert (tmp_path / "calls.log").read_text().splitlines()[0].startswith(job)


def test_the_jobs_with_the_real_cli(config: dict[str, Any], tmp_path: Path) -> None:
    inventory_repo(tmp_path)
    tool = Path(sys.executable).parent  # the provisioner of this checkout
    with NotesApi() as api:
        env = base_env(tool, **ENV, **api.env)
        assert run_gitlab_job(config, "validate", env, tmp_path).returncode == 0
        first = run_gitlab_job(config, "plan", env, tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr  # exit 2: changes, fine
        applied = run_gitlab_job(config, "apply", env, tmp_path)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "Apply complete!" in applied.stdout
        assert run_gitlab_job(config, "drift", env, tmp_path).returncode == 0
        delete_most_of_pbx1(tmp_path / "inventory")
        unsafe = run_gitlab_job(config, "plan", env, tmp_path)
    assert unsafe.returncode == 3, unsafe.stdout + unsafe.stderr
    first_note, unsafe_note = (body["body"] for _, _, _, body in api.posted() if body)
    assert first_note.startswith(MARKER) and "16 to add" in first_note
    assert "6 to destroy" in unsafe_note and "refusing to delete 6 of 16" in unsafe_note

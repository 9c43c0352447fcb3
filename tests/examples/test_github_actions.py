"""examples/ci/github-actions.yml: its steps run as GitHub runs them (``run:`` in bash -e,
step outputs, ``if:``, the github-script step in Node with ``github`` stubbed), with a stub
CLI for every exit code and with the real CLI on a two-server inventory in a git repo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.examples.cases import MARKER, PLAN_MD, delete_most_of_pbx1, inventory_repo
from tests.examples.ci_runner import GITHUB, GithubJob, JobRun, base_env, load, stub_bin
from tests.reconciler.cli_helpers import ENV

PLAN = "Plan"
POST = "Post the plan as a sticky comment"
FAIL = "Fail when the plan failed or is over the safety thresholds"


@pytest.fixture
def workflow() -> dict[str, Any]:
    return load(GITHUB)


def _job(workflow: dict[str, Any], name: str, env: dict[str, str], cwd: Path) -> JobRun:
    event = "pull_request" if name == "plan" else "push" if name == "apply" else "schedule"
    job = GithubJob(workflow, name, event)
    assert job.runs_on()
    return job.execute(env, cwd)


def _stubbed(tmp_path: Path, code: int, err: str = "", comments: Any = ()) -> dict[str, str]:
    env = base_env(stub_bin(tmp_path / "bin"), STUB_LOG=str(tmp_path / "calls.log"))
    env.update({"STUB_CODE_plan": str(code), "STUB_OUT_plan": PLAN_MD if code != 1 else ""})
    env.update({"STUB_ERR_plan": err, "STUB_COMMENTS": json.dumps(list(comments))})
    return env


def _posted(run: JobRun) -> tuple[str, dict[str, Any]]:
    ((method, args),) = [c for c in run.script_calls if c[0] != "paginate"]
    return method, args


@pytest.mark.parametrize("code", [0, 2])
def test_plan_is_commented_and_passes_with_or_without_changes(
    workflow: dict[str, Any], tmp_path: Path, code: int
) -> None:
    run = _job(workflow, "plan", _stubbed(tmp_path, code), tmp_path)
    assert run.ok, run.steps
    assert run.outputs["plan"] == {"exitcode": str(code)}
    assert (run.status(POST), run.status(FAIL)) == ("success", "skipped")
    method, args = _posted(run)
    assert method == "createComment"
    assert args == {"owner": "acme", "repo": "inventory", "issue_number": 7, "body": PLAN_MD}
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls == [
        "validate --format github",
        "plan --target all --format markdown --detailed-exitcode",
    ]


def test_a_failed_plan_is_commented_then_fails_the_job(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    run = _job(workflow, "plan", _stubbed(tmp_path, 1, "error: pbx1 is unreachable\n"), tmp_path)
    assert not run.ok
    assert (run.status(PLAN), run.status(POST), run.status(FAIL)) == (
        "success",
        "success",
        "failure",
    )
    _, args = _posted(run)
    assert args["body"].startswith(f"{MARKER}\n## asterisk-gitops plan failed")
    assert "pbx1 is unreachable" in args["body"]


def test_a_plan_over_the_thresholds_is_commented_then_fails_the_job(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    warning = "warning: pbx1: refusing to delete 12 of 20 managed objects\n"
    run = _job(workflow, "plan", _stubbed(tmp_path, 3, warning), tmp_path)
    assert not run.ok and run.status(FAIL) == "failure"
    assert "over the safety thresholds" in next(s.output for s in run.steps if s.name == FAIL)
    _, args = _posted(run)
    assert args["body"].startswith(PLAN_MD) and "refusing to delete 12 of 20" in args["body"]


def test_the_plan_edits_its_own_comment(workflow: dict[str, Any], tmp_path: Path) -> None:
    comments = [{"id": 3, "body": "nice"}, {"id": 8, "body": f"{MARKER}\nold"}]
    run = _job(workflow, "plan", _stubbed(tmp_path, 2, comments=comments), tmp_path)
    method, args = _posted(run)
    assert (method, args["comment_id"], args["body"]) == ("updateComment", 8, PLAN_MD)


@pytest.mark.parametrize(("job", "command", "code"), [("apply", "apply", 1), ("drift", "drift", 2)])
def test_apply_and_drift_fail_with_the_command(
    workflow: dict[str, Any], tmp_path: Path, job: str, command: str, code: int
) -> None:
    env = base_env(stub_bin(tmp_path / "bin"), STUB_LOG=str(tmp_path / "calls.log"))
    assert _job(workflow, job, env, tmp_path).ok
    env[f"STUB_CODE_{command}"] = str(code)
    assert not _job(workflow, job, env, tmp_path).ok


def test_the_jobs_with_the_real_cli(workflow: dict[str, Any], tmp_path: Path) -> None:
    inventory_repo(tmp_path)
    env = base_env(Path(sys.executable).parent, **ENV, STUB_COMMENTS="[]")
    first = _job(workflow, "plan", env, tmp_path)
    assert first.ok and first.outputs["plan"]["exitcode"] == "2", first.steps
    assert "16 to add" in _posted(first)[1]["body"]
    assert _job(workflow, "apply", env, tmp_path).ok
    assert _job(workflow, "drift", env, tmp_path).ok
    delete_most_of_pbx1(tmp_path / "inventory")
    unsafe = _job(workflow, "plan", env, tmp_path)
    assert unsafe.outputs["plan"]["exitcode"] == "3" and not unsafe.ok
    assert "refusing to delete 6 of 16" in _posted(unsafe)[1]["body"]

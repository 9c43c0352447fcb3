"""Running the CI examples' script lines in a real shell, the way each CI runs them.

GitLab (gitlab-runner's bash shell): the job's ``script`` lines make ONE bash script run with
``set -eo pipefail``, each line preceded by an ``echo`` of it (the ``$ command`` lines of the
job log). That echo is why ``code=$?`` on a line of its own reads 0.

GitHub Actions: each ``run:`` step is a file run by ``bash -e`` (the default shell on Linux
when ``shell:`` is not given); ``$GITHUB_OUTPUT`` collects ``name=value`` step outputs;
``if:`` decides whether a step runs (default: all earlier steps succeeded); an
``actions/github-script`` step runs its script in Node with ``github`` and ``context``
stubbed, recording the calls it makes. Steps that only prepare the machine
(``actions/checkout``, ``actions/setup-python``, ``pip install``) are skipped: the test has
prepared the checkout and put the CLI (real, or a stub) on ``PATH``.

``before_script`` (GitLab) is skipped for the same reason. Expressions are evaluated only in
the forms the examples use (``steps.ID.outputs.NAME == 'v'`` joined by ``||``,
``github.event_name == 'v'``, ``${{ secrets.NAME }}``, ``${{ steps.ID.outputs.NAME }}``);
anything else raises, so an example changed beyond them fails here instead of passing
unchecked.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ci"
GITLAB = EXAMPLES / ".gitlab-ci.yml"
GITHUB = EXAMPLES / "github-actions.yml"
TIMEOUT = 120


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


# -- GitLab -------------------------------------------------------------------------------


def gitlab_script(lines: list[str]) -> str:
    """The bash script gitlab-runner makes of a job's script lines."""
    out = ["set -eo pipefail", "set +o noclobber"]
    for line in lines:
        shown = line.splitlines()[0] if line else line
        out.append(f"echo {shlex.quote('$ ' + shown)}")
        out.append(line)
    return "\n".join(out) + "\n"


def run_gitlab_job(
    config: dict[str, Any], job: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    lines: list[str] = config[job]["script"]
    return run_bash(gitlab_script(lines), env, cwd)


def run_bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return _run(["bash", "-c", script], env, cwd)


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


# -- GitHub Actions -------------------------------------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_COMPARISON = re.compile(r"^([\w.]+) == '([^']*)'$")
_NODE_STUB = """
const fs = require('fs');
const calls = [];
const comments = JSON.parse(process.env.STUB_COMMENTS || '[]');
const github = {
  paginate: async (method, args) => { calls.push(['paginate', method, args]); return comments; },
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (args) => { calls.push(['updateComment', args]); },
    createComment: async (args) => { calls.push(['createComment', args]); },
  } },
};
const context = { repo: { owner: 'acme', repo: 'inventory' }, issue: { number: 7 } };
(async () => {
%s
})().then(
  () => fs.writeFileSync(process.env.STUB_CALLS, JSON.stringify(calls)),
  (e) => { console.error(e); process.exit(1); },
);
"""


@dataclass
class StepRun:
    name: str
    status: str  # success, failure, skipped
    output: str = ""


@dataclass
class JobRun:
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    script_calls: list[Any] = field(default_factory=list)  # github-script calls

    @property
    def ok(self) -> bool:
        return all(step.status != "failure" for step in self.steps)

    def status(self, name: str) -> str:
        return next(s.status for s in self.steps if s.name == name)


class GithubJob:
    """One job of a workflow, run step by step."""

    def __init__(self, workflow: dict[str, Any], job: str, event: str) -> None:
        self.workflow = workflow
        self.job = workflow["jobs"][job]
        self.event = event
        self.run = JobRun()

    def runs_on(self) -> bool:
        condition = self.job.get("if")
        return condition is None or self._condition(condition)

    def execute(self, env: dict[str, str], cwd: Path) -> JobRun:
        for index, step in enumerate(self.job["steps"]):
            name = step.get("name") or step.get("run") or step.get("uses") or str(index)
            failed = not self.run.ok
            condition = step.get("if")
            wanted = (
                not failed if condition is None else (not failed and self._condition(condition))
            )
            if not wanted or _prepares_machine(step):
                self.run.steps.append(StepRun(name, "skipped"))
                continue
            self.run.steps.append(self._step(name, step, env, cwd))
        return self.run

    def _step(self, name: str, step: dict[str, Any], env: dict[str, str], cwd: Path) -> StepRun:
        step_env = dict(env)
        for scope in (self.workflow.get("env"), self.job.get("env"), step.get("env")):
            step_env.update({k: self._text(str(v), env) for k, v in (scope or {}).items()})
        if "uses" in step:
            return self._github_script(name, step, step_env, cwd)
        output = cwd / f".github-output-{len(self.run.steps)}"
        output.write_text("")
        step_env["GITHUB_OUTPUT"] = str(output)
        script = cwd / f".step-{len(self.run.steps)}.sh"
        script.write_text(self._text(step["run"], env))
        done = _run(["bash", "-e", str(script)], step_env, cwd)
        if "id" in step:
            self.run.outputs[step["id"]] = _outputs(output.read_text())
        status = "success" if done.returncode == 0 else "failure"
        return StepRun(name, status, done.stdout + done.stderr)

    def _github_script(
        self, name: str, step: dict[str, Any], env: dict[str, str], cwd: Path
    ) -> StepRun:
        if not step["uses"].startswith("actions/github-script@"):
            raise AssertionError(f"the runner emulation has no {step['uses']}")
        if shutil.which("node") is None:
            raise AssertionError("node runs the github-script step: apt-get install nodejs")
        calls = cwd / ".github-script-calls.json"
        script = cwd / ".github-script.js"
        script.write_text(_NODE_STUB % step["with"]["script"])
        done = _run(["node", str(script)], {**env, "STUB_CALLS": str(calls)}, cwd)
        if done.returncode == 0:
            self.run.script_calls = json.loads(calls.read_text())
        status = "success" if done.returncode == 0 else "failure"
        return StepRun(name, status, done.stdout + done.stderr)

    def _value(self, path: str, env: dict[str, str]) -> str:
        parts = path.split(".")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.run.outputs.get(parts[1], {}).get(parts[3], "")
        if parts[0] == "secrets" and len(parts) == 2:
            return env.get(parts[1], "")
        if path == "github.event_name":
            return self.event
        raise AssertionError(f"the runner emulation cannot evaluate {path!r}")

    def _condition(self, text: str) -> bool:
        results = []
        for alternative in text.split("||"):
            found = _COMPARISON.match(alternative.strip())
            if found is None:
                raise AssertionError(f"the runner emulation cannot evaluate {text!r}")
            results.append(self._value(found.group(1), {}) == found.group(2))
        return any(results)

    def _text(self, text: str, env: dict[str, str]) -> str:
        return _EXPRESSION.sub(lambda m: self._value(m.group(1), env), text)


def _prepares_machine(step: dict[str, Any]) -> bool:
    uses = str(step.get("uses", ""))
    run = str(step.get("run", ""))
    return uses.startswith(("actions/checkout@", "actions/setup-python@")) or run.startswith(
        "pip install"
    )


def _outputs(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


# -- the tool on PATH -----------------------------------------------------------------------

STUB = """#!/bin/bash
# a stand-in for the provisioner CLI: logs its arguments, prints and exits as told
printf '%s\\n' "$*" >> "$STUB_LOG"
sub="${1//-/_}"
out="STUB_OUT_$sub"; err="STUB_ERR_$sub"; code="STUB_CODE_$sub"
printf '%s' "${!out}"
printf '%s' "${!err}" >&2
exit "${!code:-0}"
"""


def stub_bin(directory: Path) -> Path:
    """A directory holding a ``provisioner`` stub, to put first on ``PATH``."""
    directory.mkdir(parents=True, exist_ok=True)
    tool = directory / "provisioner"
    tool.write_text(STUB)
    tool.chmod(0o755)
    return directory


def base_env(*path_first: Path, **extra: str) -> dict[str, str]:
    """A minimal environment: PATH with ``path_first`` before the system's, HOME, ``extra``."""
    path = os.pathsep.join([*map(str, path_first), "/usr/local/bin", "/usr/bin", "/bin"])
    return {"PATH": path, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", **extra}

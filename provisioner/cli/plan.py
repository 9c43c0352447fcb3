"""`provisioner plan`, `provisioner apply` and `provisioner drift`.

Exit codes: 0 success (plan: no changes with --detailed-exitcode), 1 error, 2 changes
(plan --detailed-exitcode) or drift (drift), 3 changes the safety thresholds refuse (plan
--detailed-exitcode: apply would refuse them without --force).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from provisioner.apply import (
    Outcome,
    Renderer,
    apply_job,
    approved_from,
    drift_job,
    each,
    plan_job,
    renderer,
)
from provisioner.cli.numbers import percent, seconds
from provisioner.errors import PlanError, ProvisionerError, SafetyError
from provisioner.gcpause import paused_gc
from provisioner.inventory import load_inventory
from provisioner.inventory.cache import default_directory, usable
from provisioner.inventory.changes import InventoryChanges, inventory_changes
from provisioner.model import Inventory
from provisioner.plan import (
    Plan,
    SavedPlan,
    check_saved,
    load,
    save,
    to_json,
)
from provisioner.plancache import PlanCache
from provisioner.planformat import format_markdown, format_text
from provisioner.safety import Thresholds, violations
from provisioner.targets import DEFAULT_TARGET, Job, select

FORMATS = ("text", "json", "markdown")
DEFAULT_INVENTORY = "inventory"


def add_parser(sub: Any) -> None:
    plan: argparse.ArgumentParser = sub.add_parser(
        "plan", help="show what apply would change on the target(s)"
    )
    _common(plan)
    plan.add_argument("--format", choices=FORMATS, default="text", help="output format")
    plan.add_argument("--out", metavar="FILE", help="save the plan (no secrets) for 'apply FILE'")
    plan.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 when there is nothing to change, 2 when there are changes, 3 when the "
        "safety thresholds refuse them (apply needs --force), 1 on error",
    )
    _threshold_args(plan)
    plan.set_defaults(run=run_plan)

    apply: argparse.ArgumentParser = sub.add_parser(
        "apply", help="apply the inventory (or a saved plan) to the target(s)"
    )
    apply.add_argument("file", nargs="?", metavar="FILE", help="a plan saved by 'plan --out'")
    _common(apply)
    apply.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    apply.add_argument("--force", action="store_true", help="apply over the safety thresholds")
    _threshold_args(apply)
    apply.set_defaults(run=run_apply)

    drift: argparse.ArgumentParser = sub.add_parser(
        "drift", help="report hand edits: target vs what its last applied revision renders"
    )
    _common(drift, ref=False)
    drift.add_argument("--format", choices=FORMATS, default="text", help="output format")
    drift.set_defaults(run=run_drift)


def _threshold_args(p: argparse.ArgumentParser) -> None:
    for what in ("update", "delete"):
        p.add_argument(
            f"--max-{what}-percent",
            type=percent,
            default=30.0,
            metavar="PCT",
            help=f"safety threshold: most managed objects to {what} at once (default 30%%)",
        )


def _common(p: argparse.ArgumentParser, *, ref: bool = True) -> None:
    p.add_argument(
        "--inventory",
        metavar="DIR",
        help=f"inventory directory (default: {DEFAULT_INVENTORY}; apply FILE: the plan's own)",
    )
    if ref:
        p.add_argument("--ref", metavar="REV", help="read the inventory at this git revision")
    p.add_argument(
        "--target",
        metavar="T",
        help=f"dir:PATH, ami://USER@HOST:PORT, a server name or 'all' (default {DEFAULT_TARGET})",
    )
    p.add_argument("--server", metavar="NAME", help="which server's part the target serves")
    p.add_argument(
        "--timeout", type=seconds, default=10.0, metavar="S", help="AMI timeout in seconds"
    )


def _jobs(args: argparse.Namespace, ref: str | None) -> tuple[Inventory, tuple[Job, ...]]:
    inventory = load_inventory(_root(args), ref=ref)
    jobs = select(inventory, args.target, args.server, os.environ, timeout=args.timeout)
    return inventory, jobs


def _plan_cache(args: argparse.Namespace) -> PlanCache:
    """Plans with nothing to change, kept with the inventory's cache (see plancache)."""
    return PlanCache(usable(default_directory()))


def _named(job: Job, error: ProvisionerError) -> str:
    text = str(error)
    return text if job.label in text or job.target.name in text else f"{job.label}: {text}"


def _plans(jobs: Sequence[Job], work: Callable[[Job], Plan]) -> list[Plan]:
    """Every job's plan, or one error naming each target that failed."""
    results = each(jobs, work)
    errors = [_named(j, r) for j, r in zip(jobs, results, strict=True) if not isinstance(r, Plan)]
    if errors:
        raise ProvisionerError("; ".join(errors))
    return [r for r in results if isinstance(r, Plan)]


def _show(plans: Sequence[Plan], fmt: str) -> None:
    if fmt == "json":
        print(to_json(plans), end="")
    elif fmt == "markdown":
        print(format_markdown(plans), end="")
    else:
        print(format_text(plans), end="")


def _thresholds(args: argparse.Namespace) -> Thresholds:
    return Thresholds(args.max_update_percent / 100, args.max_delete_percent / 100)


def run_plan(args: argparse.Namespace) -> int:
    with paused_gc():
        return _run_plan(args)


def _run_plan(args: argparse.Namespace) -> int:
    _, jobs = _jobs(args, args.ref)
    desired_of = renderer()
    cache = _plan_cache(args)
    plans = _plans(jobs, lambda job: plan_job(job, desired_of, cache))
    plans = _accounted(plans, jobs, _root(args), args.ref)
    _show(plans, args.format)
    unsafe = [warning for plan in plans for warning in violations(plan, _thresholds(args))]
    for warning in unsafe:
        print(f"warning: {warning}", file=sys.stderr)
    if args.out:
        options = {
            "inventory": _root(args),
            "target": args.target,
            "server": args.server,
            "ref": args.ref,
        }
        save(Path(args.out), plans, options)
        print(
            f"Saved the plan to {args.out}; apply it with: provisioner apply {args.out}",
            file=sys.stderr,
        )
    if not args.detailed_exitcode:
        return 0
    if unsafe:
        return 3  # apply would refuse these changes without --force
    return 2 if any(p.has_changes for p in plans) else 0


def run_apply(args: argparse.Namespace) -> int:
    with paused_gc():
        return _run_apply(args)


def _run_apply(args: argparse.Namespace) -> int:
    saved = load(Path(args.file)) if args.file else None
    if saved is not None:
        args.inventory = _saved_inventory(args.file, saved.options.get("inventory"), args.inventory)
        args.target = args.target or saved.options.get("target")
        args.server = args.server or saved.options.get("server")
        args.ref = args.ref or saved.options.get("ref")
    _, jobs = _jobs(args, args.ref)
    desired_of = renderer()
    plans: dict[str, Plan] = {}  # made moments ago: apply reads again only what they touch
    if saved is not None:
        approved = _match(args.file, saved.plans, jobs)
        if len(jobs) > 1:
            plans = _check_all(jobs, approved, desired_of, args)
    else:
        approved, jobs, plans = _approve(args, jobs, desired_of)
    results = each(
        jobs,
        lambda job: apply_job(
            job,
            approved[job.label],
            desired_of,
            thresholds=_thresholds(args),
            force=args.force,
            plan=plans.get(job.label),
        ),
    )
    return _report(jobs, results)


def _saved_inventory(file: str, saved: str | None, given: str | None) -> str | None:
    """The inventory a saved plan was made from; refused when --inventory names another."""
    if saved is None or given is None or _same_path(saved, given):
        return given or saved
    raise PlanError(
        f"the plan {file} was made from the inventory {saved}, not {given}; apply it without "
        "--inventory (or with the same one), or plan again from this inventory"
    )


def _same_path(first: str, second: str) -> bool:
    return os.path.normpath(first) == os.path.normpath(second) or (
        Path(first).resolve() == Path(second).resolve()
    )


def _match(file: str, saved: Sequence[SavedPlan], jobs: Sequence[Job]) -> dict[str, SavedPlan]:
    approved = {plan.target: plan for plan in saved}
    labels = [job.label for job in jobs]
    if sorted(approved) != sorted(labels):
        raise PlanError(
            f"the plan {file} is for {', '.join(sorted(approved))}, not for "
            f"{', '.join(labels)}; apply it with the same --target/--server, or plan again"
        )
    return approved


def _check_all(
    jobs: Sequence[Job],
    approved: dict[str, SavedPlan],
    desired_of: Renderer,
    args: argparse.Namespace,
) -> dict[str, Plan]:
    """Re-plan every target of a saved plan and check each against it (staleness, then
    thresholds) before any is written: one refused target stops them all, so a saved plan is
    never applied half-way. Each apply still checks, under its own lock, that what its plan
    touches is unchanged. Returns the plans, by target."""
    cache = _plan_cache(args)
    plans = _plans(jobs, lambda job: plan_job(job, desired_of, cache))
    refused: list[str] = []
    for plan in plans:
        try:
            check_saved(approved[plan.target], plan)
        except PlanError as e:
            refused.append(str(e))
            continue
        if not args.force:
            refused.extend(violations(plan, _thresholds(args)))
    if refused:
        raise PlanError(
            f"nothing was applied to any of the {len(plans)} targets of {args.file}: "
            + "; ".join(refused)
        )
    return {plan.target: plan for plan in plans}


def _approve(
    args: argparse.Namespace, jobs: Sequence[Job], desired_of: Renderer
) -> tuple[dict[str, SavedPlan], tuple[Job, ...], dict[str, Plan]]:
    """Plan, show, check thresholds, ask: what was approved, the jobs to apply and their
    plans."""
    cache = _plan_cache(args)
    plans = _plans(jobs, lambda job: plan_job(job, desired_of, cache))
    print(format_text(_accounted(plans, jobs, _root(args), args.ref)), end="")
    todo = [(j, p) for j, p in zip(jobs, plans, strict=True) if p.has_changes or p.record_outdated]
    if not todo:
        return {}, (), {}
    if not args.force:
        found = [v for p in plans for v in violations(p, _thresholds(args))]
        if found:
            raise SafetyError("; ".join(found))
    if any(p.has_changes for _, p in todo):
        _confirm(args.auto_approve)
    approved = {p.target: approved_from(p) for _, p in todo}
    return approved, tuple(j for j, _ in todo), {p.target: p for _, p in todo}


def _confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise PlanError(
            "refusing to apply without confirmation: not on a terminal; review the plan and "
            "pass --auto-approve, or apply a plan saved with 'plan --out'"
        )
    print("\nDo you want to perform these actions? Only 'yes' will be accepted to approve.")
    try:
        answer = input("  Enter a value: ")
    except EOFError as e:  # Ctrl-D at the prompt
        print()
        raise PlanError("apply cancelled: nothing was changed") from e
    if answer.strip() != "yes":
        raise PlanError("apply cancelled: nothing was changed")


def _report(jobs: Sequence[Job], results: Sequence[Outcome | ProvisionerError]) -> int:
    status = 0
    for job, result in zip(jobs, results, strict=True):
        if not isinstance(result, Outcome):
            print(f"error: {_named(job, result)}", file=sys.stderr)
            status = 1
            continue
        print(_outcome_line(result))
        for (file, kind, name), reason in result.failures:
            print(f"  ! failed: {file}: {kind} {name!r}: {reason}", file=sys.stderr)
        if not result.ok:
            status = 1
    return status


def _outcome_line(outcome: Outcome) -> str:
    if outcome.written == 0 and outcome.members == 0:
        return f"{outcome.target}: nothing to apply, nothing was written."
    reloaded = ", ".join(outcome.reloaded) or "nothing"
    done = (
        f"{outcome.written} change(s) written, reloaded {reloaded}, "
        f"{outcome.members} live queue member change(s)"
    )
    if outcome.ok:
        return f"{outcome.target}: Apply complete! {done}."
    return (
        f"{outcome.target}: Apply FAILED: {done}, but {len(outcome.failures)} object(s) "
        "are missing after reload (see below and Asterisk's log); every plan and apply "
        "shows them as changes until they pass verification."
    )


def run_drift(args: argparse.Namespace) -> int:
    with paused_gc():
        return _run_drift(args)


def _run_drift(args: argparse.Namespace) -> int:
    current, jobs = _jobs(args, None)
    desired_of = renderer()
    at = _inventory_at(_root(args), current)
    plans = _plans(jobs, lambda job: drift_job(job, at, desired_of))
    # not drift: the commits made since the applied revision, which the next apply brings
    plans = _accounted(plans, jobs, _root(args), None, current.revision)
    drifted = [p for p in plans if p.changes or p.unmanaged]
    if args.format != "text":
        _show(plans, args.format)
        return 2 if drifted else 0
    for plan in plans:
        if not (plan.changes or plan.unmanaged):
            print(f"{plan.target}: no drift from revision {plan.revision}.")
    if any(p.changes for p in drifted):
        print("Drift (hand edits): applying the recorded revision again would change:\n")
    elif drifted:
        print(
            "Drift (hand edits): objects were added to the managed files by hand; apply"
            " leaves them in place, remove them by hand:\n"
        )
    if drifted:
        _show([replace(p, inventory_changes=None) for p in drifted], "text")
    for plan in plans:
        if plan.inventory_changes is not None:
            heading = (
                f"{plan.target}: not drift, committed since revision {plan.revision} and not "
                "applied yet"
            )
            print("\n".join(line[2:] for line in plan.inventory_changes.lines(heading)))
    return 2 if drifted else 0


def _root(args: argparse.Namespace) -> str:
    """The inventory directory: ``--inventory``, else the default."""
    return str(args.inventory or DEFAULT_INVENTORY)


def _accounted(
    plans: Sequence[Plan],
    jobs: Sequence[Job],
    root: str,
    ref: str | None,
    planned: str | None = None,
) -> list[Plan]:
    """The plans with what changed in the YAML from each target's applied revision to the
    inventory planned (at ``ref``, else on disk; its revision ``planned``, else the plan's),
    computed once per applied revision and server. Nothing when they are the same."""
    found: dict[tuple[str, str | None], InventoryChanges] = {}
    accounted = []
    for job, plan in zip(jobs, plans, strict=True):
        new = planned or plan.revision
        if plan.applied is None or plan.applied == new:
            accounted.append(plan)
            continue
        key = (plan.applied, job.server)
        if key not in found:
            found[key] = inventory_changes(root, plan.applied, new, ref=ref, server=job.server)
        accounted.append(replace(plan, inventory_changes=found[key]))
    return accounted


def _inventory_at(root: str, current: Inventory) -> Callable[[str], Inventory]:
    """The inventory at a recorded revision (loaded once per revision, thread-safe).

    Only a commit can be reproduced: an apply made from uncommitted files ("working-tree",
    "<sha>-dirty") cannot be compared with, since those files may have changed since.
    """
    cache = {current.revision: current}
    lock = threading.Lock()

    def at(revision: str) -> Inventory:
        if revision == "working-tree" or revision.endswith("-dirty"):
            raise PlanError(
                f"the last apply was made from uncommitted files ({revision}), which cannot "
                "be reproduced; apply from a clean checkout (as CI does) to enable drift"
            )
        with lock:
            if revision not in cache:
                cache[revision] = load_inventory(root, ref=revision)
            return cache[revision]

    return at

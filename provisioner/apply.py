"""Orchestration: plan each target, apply an approved plan, report drift.

A target does the I/O; this module decides the order. Apply plans (or takes the plan just
shown), refuses when it differs from the approved plan (stale) or crosses the safety
thresholds, takes the target's lock and reads again only what the plan touches and the
state record (stale if they changed), then: one write (all-or-nothing per file), a reload
of the affected modules only, a read-back verification of every created or updated
endpoint, aor, auth and queue, the live queue member changes, and the state record (which
remembers the objects that failed verification, so that later plans show them until an
apply verifies them). A plan without changes writes nothing and reloads nothing. Several
targets are handled concurrently (threads).
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

from provisioner.diff import diff, runtime_changes
from provisioner.errors import ApplyError, PlanError, ProvisionerError, TargetError
from provisioner.inventory.secrets import resolve_secret
from provisioner.model import Inventory, SecretRef
from provisioner.plan import Plan, SavedPlan, basis, check_saved, make_plan
from provisioner.plancache import PlanCache
from provisioner.render import render
from provisioner.render.objects import MANAGED_FILES, ConfigObject, ObjectKey
from provisioner.safety import Thresholds, check
from provisioner.targets import Job
from provisioner.targets.base import RELOAD_MODULES, PartialWriteError, StateRecord, Target
from provisioner.targets.directory import DirectoryTarget

logger = logging.getLogger(__name__)

Renderer = Callable[[Inventory], Sequence[ConfigObject]]
T = TypeVar("T")

VERIFIED_KINDS = frozenset({"endpoint", "aor", "auth", "queue"})


@dataclass(frozen=True)
class Outcome:
    """What apply did on one target."""

    target: str
    written: int  # config changes written
    reloaded: tuple[str, ...]  # managed files whose modules were reloaded
    members: int  # live member changes made
    failures: tuple[tuple[ObjectKey, str], ...] = ()  # verification failures with the reason

    @property
    def ok(self) -> bool:
        return not self.failures


def holder() -> str:
    """Who holds an apply lock: user@host pid N."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"


def renderer(env: Mapping[str, str] | None = None) -> Renderer:
    """Render an inventory part, resolving its SIP passwords with its own settings."""

    def run(inventory: Inventory) -> Sequence[ConfigObject]:
        def secret(ref: SecretRef) -> str:
            return resolve_secret(ref, inventory.settings, env)

        return render(inventory, secret)

    return run


def plan_job(job: Job, desired_of: Renderer, cache: PlanCache | None = None) -> Plan:
    """Plan one target: read its actual state, render its part, compare. (Read first: the
    read's passing peak, the answers being parsed, does not meet the rendered objects.) With
    ``cache``, a plan with nothing to change made from the same inventory, secrets and
    target content is taken from it instead."""
    kept = cache.get(job) if cache is not None else None
    if kept is not None:
        return kept
    actual = job.target.read()
    desired = desired_of(job.inventory)
    plan = make_plan(
        job.label, job.inventory.revision, diff(desired, actual, job.inventory), actual
    )
    logger.info("planned %s: %d change(s)", job.label, len(plan.changes))
    if cache is not None:
        cache.put(job, plan)
    return plan


def each(jobs: Sequence[Job], work: Callable[[Job], T]) -> list[T | ProvisionerError]:
    """``work`` on every job; a job's ProvisionerError is its result.

    Jobs on a live Asterisk run concurrently (one thread each: they mostly wait for it);
    directory jobs run one after the other in this thread, as they only compute (threads
    would take turns on the interpreter lock and be slower than running in turn).
    """

    def guarded(job: Job) -> T | ProvisionerError:
        try:
            return work(job)
        except ProvisionerError as e:
            logger.debug("%s failed", job.label, exc_info=True)
            return e

    remote = [n for n, job in enumerate(jobs) if not isinstance(job.target, DirectoryTarget)]
    if len(remote) <= 1:
        return [guarded(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=len(remote), thread_name_prefix="target") as pool:
        running = {n: pool.submit(guarded, jobs[n]) for n in remote}
        local = {n: guarded(job) for n, job in enumerate(jobs) if n not in running}
        return [running[n].result() if n in running else local[n] for n in range(len(jobs))]


def apply_job(
    job: Job,
    approved: SavedPlan,
    desired_of: Renderer,
    *,
    thresholds: Thresholds,
    force: bool = False,
    lock_holder: str | None = None,
    plan: Plan | None = None,
) -> Outcome:
    """Plan (unless ``plan``, just made from this target, is given), refuse if stale or
    unsafe, then lock, check that what the plan touches is unchanged, and execute."""
    if plan is None:
        plan = plan_job(job, desired_of)
    check_saved(approved, plan)
    check(plan, thresholds, force=force)
    with job.target.lock(lock_holder or holder()):
        return execute(job.target, recheck(job, plan))


def recheck(job: Job, plan: Plan) -> Plan:
    """``plan`` as it stands under the lock: the categories it touches and the state record,
    read again, must be as when it was made (else it is stale: another apply or a hand edit
    came in between); live members and sessions are taken as they are now. A change made
    meanwhile to an object the plan does not touch is left alone, as the plan never saw it:
    the next plan shows it."""
    actual = job.target.read_part(plan.touched)
    if basis(actual, plan.touched) != plan.basis:
        raise PlanError(
            f"{plan.target}: the target changed since the plan was made (stale plan); run "
            "'provisioner plan' again and review the new plan"
        )
    return replace(plan, members=runtime_changes(job.inventory, actual))


def execute(target: Target, plan: Plan) -> Outcome:
    """Carry out ``plan`` on ``target`` (already locked and checked)."""
    files: tuple[str, ...] = ()
    failures: dict[ObjectKey, str] = {}
    if plan.changes:
        try:
            target.write(plan.changes)
        except PartialWriteError as e:
            raise _salvage(target, plan, e.touched, e, reload=True) from e
        changed = {change.key[0] for change in plan.changes}
        files = tuple(f for f in MANAGED_FILES if f in changed)
        failures = _reload_and_verify(target, plan, files)
    if plan.members:
        target.change_members(plan.members)
    if plan.changes or plan.record_outdated:
        # objects that failed verification stay recorded as such: every later plan shows
        # them as changes until an apply writes and verifies them
        record = StateRecord(plan.revision, plan.desired, frozenset(failures))
        target.save_record(record)
    if not plan.has_changes:
        logger.info("%s: no changes, nothing written", plan.target)
    return Outcome(
        plan.target, len(plan.changes), files, len(plan.members), tuple(sorted(failures.items()))
    )


def _reload_and_verify(target: Target, plan: Plan, files: tuple[str, ...]) -> dict[ObjectKey, str]:
    """After a successful write: reload, then read back. When either cannot be done, the
    written objects are recorded as unverified, so that the next apply does it again."""
    try:
        target.reload(files)
    except TargetError as e:
        raise _salvage(target, plan, files, e, reload=False) from e
    try:
        failures = target.verify(_to_verify(plan))
    except TargetError as e:
        raise _salvage(target, plan, files, e, reload=False, reloaded=True) from e
    for key, reason in sorted(failures.items()):
        logger.error("%s: verification failed for %s: %s", plan.target, key, reason)
    return failures


def _salvage(
    target: Target,
    plan: Plan,
    files: tuple[str, ...],
    cause: TargetError,
    *,
    reload: bool,
    reloaded: bool = False,
) -> ApplyError:
    """An apply stopped after writing ``files`` (in part or whole) but before verifying them.

    First the record: what was written is marked unverified (each later plan shows it as a
    change until an apply writes, reloads and verifies it) and deletes not yet written stay
    ours. Then, if ``reload``, the modules of ``files`` are reloaded so that Asterisk runs
    what the files hold. Returns the one-sentence error saying what was left and what to do.
    """
    files = tuple(f for f in MANAGED_FILES if f in files)
    if not files:
        return ApplyError(f"{cause}; nothing was written")
    modules = ", ".join(RELOAD_MODULES[f] for f in files)
    saved = _save_unverified(target, plan, files)
    if reload:
        try:
            target.reload(files)
            reloaded = True
        except TargetError as e:
            logger.error("%s: could not reload %s: %s", plan.target, modules, e)
    done = f"{', '.join(files)} {'were' if len(files) > 1 else 'was'} written"
    done += f" and reloaded ({modules})" if reloaded else f" but not reloaded ({modules})"
    if saved is None:
        then = "the next apply writes, reloads and verifies what was written"
    else:
        by_hand = "" if reloaded else f"run 'module reload' of {modules} on the Asterisk host, "
        then = (
            f"the record of what is unverified could not be saved ({saved}): {by_hand}check "
            "the objects in Asterisk ('pjsip show endpoints', 'queue show') and apply again"
        )
    return ApplyError(f"{cause}; {done}, not verified: {then}")


def _save_unverified(target: Target, plan: Plan, files: tuple[str, ...]) -> TargetError | None:
    """Record the objects of ``files`` the plan writes as unverified; the error if it fails."""
    unverified = {
        c.key for c in plan.changes if c.action != "delete" and (c.key[0] in files or c.reason)
    }
    for file in files:  # a file of deletes only: one of its objects makes the next apply reload it
        if not any(key[0] == file for key in unverified):
            first = min((key for key in plan.desired if key[0] == file), default=None)
            if first is not None:
                unverified.add(first)
    # objects to delete stay ours until they are gone (the write may not have reached them)
    deletes = {c.key for c in plan.changes if c.action == "delete"}
    record = StateRecord(plan.revision, plan.desired | deletes, frozenset(unverified))
    try:
        target.save_record(record)
    except TargetError as e:
        logger.error("%s: could not record the unverified objects: %s", plan.target, e)
        return e
    return None


def _to_verify(plan: Plan) -> list[ObjectKey]:
    return [
        change.key
        for change in plan.changes
        if change.action != "delete" and change.key[1] in VERIFIED_KINDS
    ]


def approved_from(plan: Plan) -> SavedPlan:
    """The promise a plan just shown to its user makes (plain ``apply`` without a file)."""
    return SavedPlan(plan.target, plan.revision, plan.fingerprint, plan.checksum)


def drift_job(job: Job, inventory_at: Callable[[str], Inventory], desired_of: Renderer) -> Plan:
    """What differs between the target and what its last applied revision renders.

    The plan's changes are those that would restore that revision; its unmanaged objects
    were added by hand. Live queue members are runtime state, never drift.
    """
    actual = job.target.read()
    revision = actual.record.revision
    if revision is None:
        raise PlanError(
            f"{job.label}: nothing was applied to it yet, so there is no revision to compare "
            "with; run 'provisioner apply' first"
        )
    inventory = inventory_at(revision)
    if job.server is not None:
        server = inventory.settings.server(job.server)
        if server is None:
            raise PlanError(
                f"{job.label}: server {job.server} is not in the inventory at revision {revision}"
            )
        inventory = inventory.for_server(server)
    return make_plan(job.label, revision, diff(desired_of(inventory), actual), actual)

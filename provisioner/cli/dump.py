"""`provisioner dump`: write the inventory of an Asterisk that already runs (read-only).

Reads PJSIP endpoints, aors, auths, identifies and queues with their members from a config
directory or over AMI, writes an inventory in the project's layout into ``--out`` and a
report of everything it did not map (``dump-report.txt``). See docs/adopt.md.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from provisioner.dump.build import DEFAULT_SECRETS, SecretMode
from provisioner.dump.map import AGENTS_FROM, Rules, draft
from provisioner.dump.read import open_source
from provisioner.dump.report import plural, summary
from provisioner.dump.write import REPORT, check_out, commit, stage
from provisioner.errors import DumpError
from provisioner.inventory import load_inventory
from provisioner.model import Server


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "dump",
        help="write the inventory of an Asterisk that already runs (reads only)",
        description="Read PJSIP endpoints, aors, auths, identifies and queues from an "
        "Asterisk and write an inventory plus a report of what it could not map. "
        "Nothing is changed on the Asterisk; no password is written anywhere.",
    )
    p.add_argument(
        "--target",
        required=True,
        metavar="T",
        help="dir:PATH (Asterisk's config directory, e.g. dir:/etc/asterisk), "
        "ami://USER@HOST:PORT (secret in GITOPS_AMI_SECRET) or a server of --inventory",
    )
    p.add_argument("--server", metavar="NAME", help="the server name to write in settings.servers")
    p.add_argument(
        "--inventory",
        default="inventory",
        metavar="DIR",
        help="an existing inventory whose settings.servers names --target",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="where to write the inventory")
    p.add_argument("--force", action="store_true", help="replace a non-empty --out entirely")
    p.add_argument(
        "--agents-from",
        default="queue,callerid",
        metavar="RULES",
        help="which endpoints are agents: queue (queue members), callerid (a person's caller "
        "ID name), all, none; comma-separated (default queue,callerid)",
    )
    p.add_argument(
        "--agent",
        action="append",
        default=[],
        metavar="PATTERN",
        help="endpoints that are agents whatever the rules (shell pattern, repeatable)",
    )
    p.add_argument(
        "--phone",
        action="append",
        default=[],
        metavar="PATTERN",
        help="endpoints that are phones whatever the rules (repeatable)",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="endpoints to leave out, e.g. trunks (repeatable)",
    )
    p.add_argument(
        "--secrets",
        default=DEFAULT_SECRETS,
        metavar="MODE",
        help=f"the SIP password source written for each endpoint: file:PATH (a key per "
        f"endpoint, filled with today's passwords), env (SIP_<ID>), or derive (a planned "
        f"rotation); default {DEFAULT_SECRETS}",
    )
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="AMI timeout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    rules = Rules(
        _agents_from(args.agents_from), tuple(args.agent), tuple(args.phone), tuple(args.exclude)
    )
    mode = SecretMode.parse(args.secrets)
    out = Path(args.out)
    check_out(out, args.force)
    opened = open_source(
        args.target,
        args.server,
        _servers(args.target, args.inventory),
        os.environ,
        timeout=args.timeout,
    )
    snapshot = opened.source.read()
    staged = stage(draft(snapshot, rules), mode, opened.server, out, opened.source.name)
    commit(staged, out)
    print(f"dumped {opened.source.name} into {out}: {summary(staged.counts, staged.entries)}")
    print(f"report: {out / REPORT} (every object, option and value not mapped as it is)")
    print(_next_steps(staged.counts.secrets, mode, out))
    return 0


def _agents_from(text: str) -> frozenset[str]:
    words = {w.strip() for w in text.split(",") if w.strip()}
    unknown = sorted(words - {*AGENTS_FROM, "none"})
    if unknown or not words or ("none" in words and len(words) > 1):
        raise DumpError(
            f"--agents-from {text!r}: use queue, callerid, all or none, comma-separated"
        )
    return frozenset(words - {"none"})


def _servers(target: str, inventory: str) -> dict[str, Server]:
    """The servers of ``--inventory``, read only when ``--target`` names one."""
    if target.startswith(("dir:", "ami://")):
        return {}
    return {s.name: s for s in load_inventory(inventory).settings.servers}


def _next_steps(secrets: int, mode: SecretMode, out: Path) -> str:
    steps = []
    if secrets and mode.kind == "derive":
        steps.append(f"the first apply rotates {plural(secrets, 'SIP password')}")
    elif secrets and mode.kind == "file":
        steps.append(f"fill {plural(secrets, 'SIP password')} into {mode.path} (a key each)")
    elif secrets:
        steps.append(f"export {plural(secrets, 'SIP password variable')} (SIP_<ID>)")
    steps += [
        "set PINs with provisioner hash-pin",
        f"run provisioner validate --inventory {out}",
        "then take over as docs/adopt.md says",
    ]
    return "next: " + ", ".join(steps)

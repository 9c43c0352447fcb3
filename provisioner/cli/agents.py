"""`provisioner agents`: the live table of agents (the HTTP service's, read once over AMI).

Who is logged in, where, available, ringing, on a call or paused (reason, for how long),
and any request pending until a call ends: for each ``ami://`` server of the inventory (or
``--server NAME``), one AMI login, one ``DBGetTree`` of the sessions and one ``QueueStatus``;
the table itself is the runtime core's (``runtime.state``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

from provisioner.inventory import load_inventory
from provisioner.model import Inventory, Server
from provisioner.targets import AMI_SECRET_ENV, ami_secret, ami_servers
from provisioner.targets.ami import live
from provisioner.targets.ami.client import Action, AmiClient, Reply, parse_url
from runtime import state


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "agents",
        help="show the live state of the agents: logged in where, available, on a call, paused",
        description="Reads each ami:// server of settings.servers once over AMI (the secret "
        "from the server's secret_env) and prints every agent it serves.",
    )
    p.add_argument("--inventory", default="inventory", metavar="DIR", help="inventory directory")
    p.add_argument("--server", metavar="NAME", help="only this server (default: every ami:// one)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(run=run)


def read_rows(inventory: Inventory, server: Server) -> list[state.Row]:
    """The server's agents, from one reading of that Asterisk."""
    secret = ami_secret(server.target, server.secret_env or AMI_SECRET_ENV, os.environ)
    user, host, port = parse_url(server.target)
    with AmiClient(host, port, user, secret, name=server.name) as client:

        def request(action: Action) -> Reply:
            return client.request(action, check=False)

        sessions = state.sessions(live.sessions(request))
        found = (state.Member.from_fields(_getter(f)) for f in live.members(request))
    members = [m for m in found if m is not None]
    part = inventory.for_server(server)
    return [state.row(a, server.name, sessions.get(a.id, {}), members) for a in part.agents]


def _getter(fields: dict[str, str]) -> Callable[[str], str]:
    return lambda key: fields.get(key, "")


def _ago(since: int | None, now: float) -> str:
    if since is None:
        return "-"
    minutes, seconds = divmod(max(0, int(now) - since), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"


def text(rows: list[state.Row], now: float) -> str:
    header = ("AGENT", "SERVER", "STATE", "WHERE", "PAUSED", "LOGGED IN", "PENDING")
    lines = [header]
    for r in rows:
        where = r.interface + (f" {r.phone}" if r.phone else "") or "-"
        paused = f"{r.reason or 'yes'} ({_ago(r.paused_since, now)})" if r.paused else "-"
        logged = _ago(r.since, now) if r.state != "logged_out" else "-"
        lines.append((r.agent, r.server, r.state, where, paused, logged, r.pending or "-"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def run(args: argparse.Namespace) -> int:
    inventory = load_inventory(args.inventory)
    servers = ami_servers(inventory, [args.server] if args.server else None)
    rows = [r for s in servers for r in read_rows(inventory, s)]
    if args.format == "json":
        print(json.dumps({"agents": [r.as_json() for r in rows]}, indent=2))
    else:
        print(text(rows, time.time()))
    return 0

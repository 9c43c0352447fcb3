"""`provisioner export channels`: the agents' non-voice channels for the channel platform.

Asterisk carries none of them (see provisioner/export.py), so this is their only consumer.
Writes to stdout, or atomically to ``--out FILE``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from provisioner.cli.render import server_part, write_atomically
from provisioner.export import channels_csv, channels_json
from provisioner.inventory import load_inventory

FORMATS = {"json": channels_json, "csv": channels_csv}


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export", help="export inventory data other systems consume (channels: chat, mail...)"
    )
    p.add_argument(
        "what",
        choices=("channels",),
        help="channels: each agent's chat/mail/sms/whatsapp/openchannel/fax capacity and queues",
    )
    p.add_argument("--inventory", default="inventory", metavar="DIR", help="inventory directory")
    p.add_argument("--ref", metavar="REV", help="read the inventory at this git revision")
    p.add_argument("--server", metavar="NAME", help="only the agents this server serves")
    p.add_argument("--format", choices=tuple(FORMATS), default="json", help="output format")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inventory = server_part(load_inventory(args.inventory, ref=args.ref), args.server)
    text = FORMATS[args.format](inventory)
    if args.out:
        write_atomically(Path(args.out), text)
    else:
        print(text, end="")
    return 0

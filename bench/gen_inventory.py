"""Generate a large, valid inventory for benchmarks.

    python3 bench/gen_inventory.py                 # bench/out/inv-1000 and bench/out/inv-10000
    python3 bench/gen_inventory.py 5000 /tmp/inv   # one inventory of 5000 agents
    python3 bench/gen_inventory.py 5000 /tmp/inv 1 # the same on one server

Agents come in team files of 500 (agents/team-NNN.yaml), half of them on each of two
servers (or all on one, ``sites=1``); phones (one per two agents) and queues (one per 50
agents) are split by site.
Every agent shares one PIN hash: hashing 10k PINs would only slow the generator down.
"""

from __future__ import annotations

import sys
from pathlib import Path

from provisioner.inventory.pins import hash_pin

TEAM_SIZE = 500
SITES = ("paris", "lyon")
DEFAULT_SIZES = (1000, 10000)


def _site(team: int, sites: int) -> str:
    return SITES[team % sites]


def _agent(i: int, pin: str, queues: list[str], phone: str | None) -> str:
    lines = [
        f"  - id: agent{i:05d}",
        f"    name: Agent {i}",
        f'    extension: "{100000 + i}"',
        f"    pin: {pin}",
    ]
    if phone is None:
        lines.append("    hot_desk: true")
    else:
        lines.append(f"    phone: {phone}")
    lines.append("    queues:")
    lines += [f"      - {{queue: {q}, penalty: {(i + n) % 4}}}" for n, q in enumerate(queues)]
    if i % 10 == 0:
        lines += ["    voice:", "      codecs: [g722, ulaw]", "      recording: wav"]
    if i % 25 == 0:
        lines += ["    channels:", "      chat: {enabled: true, capacity: 2}"]
    return "\n".join(lines) + "\n"


def _layout(count: int, sites: int) -> dict[str, list[str]]:
    """Queue names per site."""
    per_site = max(1, count // 50 // sites)
    return {site: [f"{site}-q{n:03d}" for n in range(per_site)] for site in SITES[:sites]}


def generate(count: int, root: Path, sites: int = len(SITES)) -> None:
    pin = hash_pin("1234")
    queues = _layout(count, sites)
    root.mkdir(parents=True, exist_ok=True)
    (root / "agents").mkdir(exist_ok=True)
    phones: dict[str, list[str]] = {site: [] for site in queues}
    served: dict[str, list[str]] = {site: [] for site in queues}
    for team in range((count + TEAM_SIZE - 1) // TEAM_SIZE):
        site = _site(team, sites)
        text = ["agents:\n"]
        for i in range(team * TEAM_SIZE, min(count, (team + 1) * TEAM_SIZE)):
            phone = f"{site}-desk-{i:05d}" if i % 2 == 0 else None
            if phone is not None:
                phones[site].append(phone)
            names = queues[site]
            mine = sorted({names[i % len(names)], names[(i // 7) % len(names)]})
            text.append(_agent(i, pin, mine, phone))
            served[site].append(f"agent{i:05d}")
        (root / "agents" / f"team-{team:03d}.yaml").write_text("".join(text))
    _write_phones(root, phones)
    _write_queues(root, queues)
    _write_settings(root, served, phones, queues)


def _write_phones(root: Path, phones: dict[str, list[str]]) -> None:
    lines = ["phones:"]
    number = 500000
    for site, ids in phones.items():
        for ident in ids:
            number += 1
            lines += [f"  - id: {ident}", f'    extension: "{number}"', f"    site: {site}"]
    (root / "phones.yaml").write_text("\n".join(lines) + "\n")


def _write_queues(root: Path, queues: dict[str, list[str]]) -> None:
    lines = ["queues:"]
    for names in queues.values():
        for name in names:
            lines += [f"  - name: {name}", "    strategy: rrmemory", "    wrapuptime: 10"]
    (root / "queues.yaml").write_text("\n".join(lines) + "\n")


def _flow(names: list[str]) -> str:
    return "[" + ", ".join(names) + "]"


def _write_settings(
    root: Path,
    served: dict[str, list[str]],
    phones: dict[str, list[str]],
    queues: dict[str, list[str]],
) -> None:
    lines = [
        "settings:",
        "  pause_reasons:",
        "    - {code: 1, name: lunch}",
        "    - {code: 2, name: break}",
        "  servers:",
    ]
    for n, site in enumerate(served):
        lines += [
            f"    - name: pbx-{site}",
            f"      target: ami://gitops@10.0.{n}.10:5038",
            f"      secret_env: PBX_{site.upper()}_SECRET",
            f"      agents: {_flow(served[site])}",
            f"      phones: {_flow(phones[site])}",
            f"      queues: {_flow(queues[site])}",
        ]
    (root / "settings.yaml").write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    if argv:
        root = Path(argv[1] if len(argv) > 1 else f"bench/out/inv-{argv[0]}")
        generate(int(argv[0]), root, int(argv[2]) if len(argv) > 2 else len(SITES))
        return 0
    for count in DEFAULT_SIZES:
        generate(count, Path(f"bench/out/inv-{count}"))
        print(f"bench/out/inv-{count}: {count} agents")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

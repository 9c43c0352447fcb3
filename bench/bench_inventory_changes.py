"""How long the YAML account of a plan takes (issue 15 item 12): applied revision -> planned.

    python3 bench/bench_inventory_changes.py            # 1000 and 10000 agents
    python3 bench/bench_inventory_changes.py 30          # any sizes

An inventory from gen_inventory.py is committed in a temporary git repo, then agents are
edited as people edit YAML (penalties, a codec list) and one is removed, and committed
again: 1% of the agents spread over every team file (the worst case: every file changed),
then only those of one team file (a usual commit). Timed, best of three: the account cold (parse
cache emptied: both revisions parsed from git), warm (cache filled, as in CI re-runs and any
plan after a validate), and, once, DeepDiff over both whole documents, the way it is not
done (python-libraries.md: seconds at 10k agents).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import git
from deepdiff import DeepDiff

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_inventory import generate

from provisioner.inventory.changes import document, inventory_changes
from provisioner.inventory.load import parse_files, read_files

REPEAT = 3
_ACTOR = git.Actor("bench", "bench@example.invalid")


def _commit(repo: git.Repo, message: str) -> str:
    repo.git.add("inventory")
    return repo.index.commit(message, author=_ACTOR, committer=_ACTOR).hexsha


def _edit(root: Path, size: int, spread: bool = True) -> int:
    """Edit 1% of the agents (``spread``: in every team file; else those of the first file
    only), remove one; the number of agents edited."""
    edited = 0
    files = sorted((root / "agents").glob("*.yaml"))
    for path in files if spread else files[:1]:
        text = path.read_text()
        for i in range(0, size, 100):
            agent = f"  - id: agent{i:05d}\n"
            if agent in text:
                start = text.index(agent)
                end = text.find("  - id: ", start + 1)
                end = len(text) if end < 0 else end
                body = re.sub(
                    r"penalty: (\d)", lambda m: f"penalty: {int(m[1]) + 1}", text[start:end]
                )
                body = body.replace("codecs: [g722, ulaw]", "codecs: [ulaw]")
                text = text[:start] + body + text[end:]
                edited += 1
        path.write_text(text)
    first = sorted((root / "agents").glob("*.yaml"))[0]
    text = first.read_text()
    start = text.index("  - id: ", text.index("  - id: ") + 1)  # the second agent goes
    end = text.index("  - id: ", start + 1)
    first.write_text(text[:start] + text[end:])
    return edited


def _best(work: object, clear: Path | None = None) -> float:
    times = []
    for _ in range(REPEAT):
        if clear is not None:
            shutil.rmtree(clear, ignore_errors=True)
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def bench(size: int, spread: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "inventory"
        generate(size, root)
        repo = git.Repo.init(tmp)
        old = _commit(repo, "generated")
        edited = _edit(root, size, spread)
        new = _commit(repo, "edits")
        repo.close()
        account = inventory_changes(root, old, new, ref=new)
        cache = Path(tmp) / ".provisioner-cache"
        cold = _best(lambda: inventory_changes(root, old, new, ref=new), clear=cache)
        warm = _best(lambda: inventory_changes(root, old, new, ref=new))
        before, after = (document(parse_files(root, read_files(root, r))) for r in (old, new))
        start = time.perf_counter()
        DeepDiff(before, after)
        whole = time.perf_counter() - start
    where = "in every team file" if spread else "in one team file"
    print(
        f"{size} agents, {edited} edited {where} + 1 removed: {len(account.changes)} changes; "
        f"account cold {cold:.2f} s, warm {warm:.2f} s; "
        f"DeepDiff of the whole documents {whole:.2f} s"
    )


def main(argv: list[str]) -> int:
    for size in [int(a) for a in argv] or [1000, 10000]:
        bench(size, spread=True)
        bench(size, spread=False)
    print("(load average " + ", ".join(f"{n:.2f}" for n in os.getloadavg()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Make the prompts the runtime ships (``agi/sounds/gitops/*.gsm``) from their texts.

    python3 scripts/make_prompts.py [--out DIR] [--check]

Each text of ``agi.prompts.SHIPPED`` is spoken by espeak-ng (voice en-us, 150 words a
minute) into a WAV file, which sox turns into 8 kHz mono GSM 4 dB down (espeak-ng peaks at
full scale): the format Asterisk plays without transcoding on GSM and cheaply elsewhere.
Both tools run with fixed settings and sox without dither (``-D``), so the same texts give
the same bytes on the same tool versions: ``--check`` makes them again in a temporary
directory and fails if any shipped file differs (the tests run it where both tools are
installed). Needs ``espeak-ng`` and ``sox`` (Debian packages of the same names).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agi.prompts import FORMAT, SHIPPED  # noqa: E402

DEFAULT_OUT = ROOT / "agi" / "sounds"
VOICE = ["-v", "en-us", "-s", "150", "-a", "150"]


def tools() -> list[str]:
    """The tools this script needs that are missing."""
    return [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]


def make(name: str, text: str, out: Path, work: Path) -> Path:
    """One prompt: ``out/<name>.gsm``."""
    wav = work / (name.replace("/", "_") + ".wav")
    subprocess.run(["espeak-ng", *VOICE, "-w", str(wav), text], check=True)
    target = out / f"{name}.{FORMAT}"
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "sox",
            "-D",
            "-R",
            str(wav),
            "-r",
            "8000",
            "-c",
            "1",
            "-t",
            FORMAT,
            str(target),
            "gain",
            "-4",
        ],
        check=True,
    )
    return target


def make_all(out: Path) -> list[Path]:
    with tempfile.TemporaryDirectory() as work:
        return [make(name, text, out, Path(work)) for name, text in sorted(SHIPPED.items())]


def differences(shipped: Path) -> list[str]:
    """Prompts whose freshly made bytes differ from (or are missing in) ``shipped``."""
    with tempfile.TemporaryDirectory() as fresh:
        made = Path(fresh)
        make_all(made)
        return [
            name
            for name in sorted(SHIPPED)
            if not (shipped / f"{name}.{FORMAT}").is_file()
            or (shipped / f"{name}.{FORMAT}").read_bytes()
            != (made / f"{name}.{FORMAT}").read_bytes()
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: agi/sounds")
    parser.add_argument(
        "--check", action="store_true", help="only check that the shipped files are current"
    )
    args = parser.parse_args(argv)
    lacking = tools()
    if lacking:
        print(f"error: {' and '.join(lacking)} not found (apt-get install espeak-ng sox)")
        return 1
    if args.check:
        stale = differences(args.out)
        for name in stale:
            print(f"{name}: differs from what its text makes; run scripts/make_prompts.py")
        return 1 if stale else 0
    for path in make_all(args.out):
        print(path.relative_to(args.out) if path.is_relative_to(args.out) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

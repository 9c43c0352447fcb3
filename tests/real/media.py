"""The sandbox's own sounds, music on hold and probe dialplan (its ``etc/`` is ours).

The sandbox script points ``astdatadir`` at the shared, unpacked binaries, whose ``sounds``
other engineers' sandboxes read too. So the suite gives its sandbox a data directory of its
own (``DIR/data``): every entry of the shared one linked, except ``sounds`` (the stock
English sounds linked as ``sounds/en``, and our prompts installed beside them by the
documented command, ``asterisk-gitops-agi install-prompts --sounds-dir DIR/data/sounds``)
and ``moh`` (one generated tone, so the ``default`` class exists and a queue caller gets
music). And ``etc/extensions.conf`` gains the context ``gitops-probe``, where a test's
scripted FastAGI server is called through a Local channel (``tests.real.probe``).
"""

from __future__ import annotations

import math
import re
import struct
import subprocess
import sys
import wave
from pathlib import Path

from tests.real.sandbox import Sandbox, SandboxError

STOCK_SOUNDS = Path("/usr/share/asterisk/sounds/en_US_f_Allison")  # asterisk-core-sounds-en-gsm
PROBE_CONTEXT = "gitops-probe"
PROBE_DIALPLAN = f"""
[{PROBE_CONTEXT}]
exten => _X.,1,Answer()
exten => _X.,n,AGI(agi://127.0.0.1:${{PROBEPORT}}/${{EXTEN}})
exten => _X.,n,Hangup()
"""


def data_dir(sandbox: Sandbox) -> Path:
    return sandbox.directory / "data"


def sounds_dir(sandbox: Sandbox) -> Path:
    return data_dir(sandbox) / "sounds"


def setup(sandbox: Sandbox) -> None:
    """Own data directory, stock sounds, our prompts, MOH, probe context (before restart)."""
    conf = sandbox.etc / "asterisk.conf"
    text = conf.read_text()
    found = re.search(r"^astdatadir => (.+)$", text, re.MULTILINE)
    if found is None:
        raise SandboxError(f"no astdatadir in {conf}")
    shared = Path(found.group(1).strip())
    own = data_dir(sandbox)
    own.mkdir(exist_ok=True)
    for entry in shared.iterdir():
        if entry.name not in ("sounds", "moh") and not (own / entry.name).exists():
            (own / entry.name).symlink_to(entry)
    if not STOCK_SOUNDS.is_dir():
        raise SandboxError(
            f"{STOCK_SOUNDS} is missing: apt-get install asterisk-core-sounds-en-gsm"
        )
    sounds_dir(sandbox).mkdir(exist_ok=True)
    (sounds_dir(sandbox) / "en").symlink_to(STOCK_SOUNDS)
    install_prompts(sounds_dir(sandbox))
    tone(own / "moh" / "gitops-tone.wav")
    conf.write_text(text.replace(found.group(0), f"astdatadir => {own}"))
    with (sandbox.etc / "extensions.conf").open("a") as handle:
        handle.write(PROBE_DIALPLAN)


def install_prompts(target: Path) -> str:
    """Run the documented install command; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "agi", "install-prompts", "--sounds-dir", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise SandboxError(f"install-prompts failed: {done.stderr or done.stdout}")
    return done.stdout


def tone(path: Path, seconds: float = 2.0) -> None:
    """A quiet 8 kHz sine wave Asterisk plays as music on hold."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rate = 8000
    samples = (
        int(3000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(rate * seconds))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))

"""The prompts the runtime plays: which come with Asterisk's stock sounds, which we ship.

Stock prompts are those of Debian's ``asterisk-core-sounds-en-gsm`` 1.6.1 (the English core
sounds; ``core-sounds-en.txt`` says what each one says). Every other prompt is shipped with this
package in ``agi/sounds/gitops/`` as 8 kHz GSM, made from the texts below by
``scripts/make_prompts.py`` (espeak-ng + sox, reproducible byte for byte), and installed where
Asterisk reads sounds by ``asterisk-gitops-agi install-prompts --sounds-dir DIR``: into
``DIR/gitops/``, which Asterisk finds for every channel language (``file.c`` tries the
language's directory, then the sounds directory itself).
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

logger = logging.getLogger(__name__)

FORMAT = "gsm"
FAMILY = "gitops"  # the sub-directory of the sounds directory our prompts live in

# Stock sounds the runtime and the rendered dialplan play (asterisk-core-sounds-en 1.6.1).
STOCK: dict[str, str] = {
    "agent-user": "Agent login. Please enter your agent number followed by the pound key.",
    "agent-pass": "Please enter your password followed by the pound key.",
    "agent-loginok": "Agent logged in.",
    "agent-loggedoff": "Agent logged off.",
    "im-sorry": "I'm sorry.",
    "please-try-call-later": "Please try your call again later.",
    "cannot-complete-as-dialed": "Your call cannot be completed as dialed.",
    "ss-noservice": "The number you have dialed is not in service. ...",
    # status (*75): units and numbers (agi.numbers)
    "for": "For",
    "minute": "Minute",
    "minutes": "Minutes",
    "hours": "Hours",
    "seconds": "Seconds",
    **{f"digits/{n}": str(n) for n in (*range(21), 30, 40, 50, 60, 70, 80, 90)},
    "digits/hundred": "Hundred",
    "digits/thousand": "Thousand",
    "digits/minus": "Minus",
}

# The prompts we ship: name (as played) -> what it says.
SHIPPED: dict[str, str] = {
    "gitops/interface-menu": (
        "Press 1 to take calls on this line, 2 on your desk phone, 3 on your mobile."
    ),
    "gitops/phone-extension": (
        "Please enter the extension of the phone you are at, followed by the pound key."
    ),
    "gitops/pause-reason": "Please enter your pause reason code, followed by the pound key.",
    "gitops/paused": "You are paused.",
    "gitops/unpaused": "You are available again.",
    "gitops/login-incorrect": "Login incorrect.",
    "gitops/locked-out": "Too many wrong PINs. Please try again later.",
    "gitops/no-phone": "That is not a phone you can log in at.",
    "gitops/phone-not-registered": "That phone is not connected.",
    "gitops/phone-in-use": "That phone is in use by another agent.",
    "gitops/not-permitted": "You are not allowed to do that.",
    "gitops/bad-reason": "Unknown pause reason.",
    "gitops/on-internal": "You take calls on your own line.",
    "gitops/at-phone": "You take calls at phone",
    "gitops/on-mobile": "You take calls on your mobile.",
    "gitops/available": "You are available.",
    "gitops/reason": "Reason",
}


class PromptError(Exception):
    """The shipped prompts cannot be installed (missing files, unwritable directory)."""


def shipped_files() -> dict[str, Path]:
    """Every shipped prompt's file in the installed package, by prompt name."""
    base = Path(str(resources.files("agi") / "sounds"))
    return {name: base / f"{name}.{FORMAT}" for name in SHIPPED}


def install(sounds_dir: Path) -> list[Path]:
    """Copy every shipped prompt into ``sounds_dir/gitops/``; the files written.

    Files already there with the same bytes are left alone (an unchanged install writes
    nothing); others are replaced atomically (written beside, then renamed).
    """
    if not sounds_dir.is_dir():
        raise PromptError(f"{sounds_dir} is not a directory (Asterisk's sounds directory?)")
    written: list[Path] = []
    for name, source in shipped_files().items():
        if not source.is_file():
            raise PromptError(f"the package lacks the prompt {source}: reinstall asterisk-gitops")
        target = sounds_dir / f"{name}.{FORMAT}"
        data = source.read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            partial.write_bytes(data)
            partial.chmod(0o644)
            partial.replace(target)
        except OSError as e:
            raise PromptError(f"cannot write {target}: {e}") from e
        logger.info("installed prompt %s", target)
        written.append(target)
    return written


def missing(sounds_dir: Path) -> list[str]:
    """Shipped prompts not installed (or different) under ``sounds_dir``."""
    return [
        name
        for name, source in shipped_files().items()
        if not _same(sounds_dir / f"{name}.{FORMAT}", source)
    ]


def _same(target: Path, source: Path) -> bool:
    return target.is_file() and source.is_file() and target.read_bytes() == source.read_bytes()

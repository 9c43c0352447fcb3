"""Numbers given on the command line, checked where argparse reads them.

A value out of range (``nan``, ``inf``, a negative timeout, a timeout too large for a socket)
is refused by argparse with one sentence and exit code 2, before anything runs: never a
traceback from deep in a socket call, never a misleading "unreachable".
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

MAX_SECONDS = 86_400.0  # a day: beyond, a timeout is a mistake (and overflows a timeval)


def _number(text: str, wanted: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}")
    return value


def seconds(text: str) -> float:
    """A timeout: more than 0, at most a day."""
    value = _number(text, "a number of seconds above 0")
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds above 0 and at most {MAX_SECONDS:g}"
        )
    return value


def seconds_or_zero(text: str) -> float:
    """A delay or interval where 0 means "none": 0 to a day."""
    value = _number(text, "a number of seconds from 0")
    if not 0 <= value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds from 0 to {MAX_SECONDS:g}"
        )
    return value


def percent(text: str) -> float:
    """A percentage from 0 to 100."""
    value = _number(text, "a percentage from 0 to 100")
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage from 0 to 100")
    return value


def at_least(minimum: int) -> Callable[[str], int]:
    """A whole number of at least ``minimum``."""

    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number of at least {minimum}"
            )
        return value

    return whole

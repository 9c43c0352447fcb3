"""Numbers and durations as stock sound files (``digits/*`` of asterisk-core-sounds-en), so
a whole status is one ``Playback`` of files joined with ``&``."""

from __future__ import annotations

from typing import Protocol


class Units(Protocol):
    @property
    def minute(self) -> str: ...

    @property
    def minutes(self) -> str: ...

    @property
    def hours(self) -> str: ...

    @property
    def seconds(self) -> str: ...


def digits(text: str) -> list[str]:
    """Each digit of ``text``: ``201`` is two, oh... zero, one."""
    return [f"digits/{d}" for d in text if d.isdigit()]


def number(n: int) -> list[str]:
    """``n`` (0 to 999999) said as English words: ``digits/20``, ``digits/5``..."""
    if n < 0:
        return ["digits/minus", *number(-n)]
    if n >= 1000:
        head = [*number(n // 1000), "digits/thousand"]
        return head + (number(n % 1000) if n % 1000 else [])
    if n >= 100:
        head = [f"digits/{n // 100}", "digits/hundred"]
        return head + (number(n % 100) if n % 100 else [])
    if n <= 20 or n % 10 == 0:
        return [f"digits/{n}"]
    return [f"digits/{n - n % 10}", f"digits/{n % 10}"]


def duration(seconds: int, units: Units) -> list[str]:
    """``seconds`` as hours and minutes (under a minute: seconds)."""
    if seconds < 60:
        return [*number(seconds), units.seconds]
    hours, minutes = divmod(seconds // 60, 60)
    said = [*number(hours), units.hours] if hours else []
    if minutes or not hours:
        said += [*number(minutes), units.minute if minutes == 1 else units.minutes]
    return said

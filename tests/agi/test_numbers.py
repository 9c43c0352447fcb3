"""Numbers and durations as stock sound files (agi.numbers)."""

from __future__ import annotations

import pytest

from agi.context import Prompts
from agi.numbers import digits, duration, number
from agi.prompts import STOCK


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (0, ["0"]),
        (7, ["7"]),
        (20, ["20"]),
        (21, ["20", "1"]),
        (90, ["90"]),
        (105, ["1", "hundred", "5"]),
        (300, ["3", "hundred"]),
        (1999, ["1", "thousand", "9", "hundred", "90", "9"]),
    ],
)
def test_numbers_are_said_as_words(n: int, said: list[str]) -> None:
    assert number(n) == [f"digits/{w}" for w in said]
    assert set(number(n)) <= set(STOCK)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (42, ["digits/40", "digits/2", "seconds"]),
        (60, ["digits/1", "minute"]),
        (125, ["digits/2", "minutes"]),
        (3600, ["digits/1", "hours"]),
        (3720, ["digits/1", "hours", "digits/2", "minutes"]),
    ],
)
def test_durations_in_hours_and_minutes(seconds: int, said: list[str]) -> None:
    assert duration(seconds, Prompts()) == said


def test_digits_of_an_extension() -> None:
    assert digits("201") == ["digits/2", "digits/0", "digits/1"]

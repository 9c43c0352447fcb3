"""Counting the PIN checks our AGI server makes (``runtime.auth.verify_pin``), from any thread."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from runtime import auth


def count_pin_checks(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Wrap the server's PIN check; returns a reader of how many checks were made."""
    counter = itertools.count(1)
    made = [0]
    real = auth.verify_pin

    def counted(pin: str, encoded: str) -> bool:
        made[0] = next(counter)  # itertools.count is atomic under the GIL
        return real(pin, encoded)

    monkeypatch.setattr(auth, "verify_pin", counted)
    return lambda: made[0]

"""Plain scalars become numbers only when they read as decimal numbers (sign, digits, one
dot, exponent after a dot); every other plain scalar stays the string it is."""

from __future__ import annotations

import pytest

from provisioner.inventory.yamlparse import parse


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("-3", -3),
        ("+2", 2),
        ("0100", 100),
        (".5", 0.5),
        ("1.", 1.0),
        ("-1.5e3", -1500.0),
        ("1e5", "1e5"),
        ("-x", "-x"),
        (".x", ".x"),
        ("+", "+"),
        ("x1", "x1"),
        ("agent00001", "agent00001"),
        ("1.2.3", "1.2.3"),
    ],
)
def test_plain_scalars(written: str, value: object) -> None:
    parsed = parse(f"a: {written}\n".encode()).data["a"]
    assert parsed == value and type(parsed) is type(value)

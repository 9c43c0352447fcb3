"""A derived SIP password never changes for the same master key and label: every
endpoint's password depends on it (values computed by the first release's derivation)."""

from __future__ import annotations

import pytest

from provisioner.inventory.secrets import derive


@pytest.mark.parametrize(
    ("key", "label", "expected"),
    [
        ("k", "agent/ann", "2TKCGWMaIRoFb4WNnv8sk5CO1qVbfFe3"),
        ("bench-not-secret", "agent/x", "ZRMnUyivKRMHtRigo6SiuPki540r15tH"),
        ("", "", "3pvWik3YeSiGgitwthvgSbImqXK4hZ9g"),
    ],
)
def test_derived_passwords_are_those_of_the_first_release(
    key: str, label: str, expected: str
) -> None:
    assert derive(key, label) == expected

"""Agent PINs, stored only as salted PBKDF2-SHA256 hashes.

A PIN is short (4 to 12 digits): its keyspace is small, so a leaked hash can be brute-forced
offline despite the salt and iterations. The hash keeps PINs out of git in clear text; the
lockout after wrong PINs (settings.lockout) is what protects the runtime.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from provisioner.errors import ProvisionerError

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 60_000  # the AGI server verifies at login: keep one check well under 100 ms
SALT_BYTES = 16
MIN_DIGITS = 4
MAX_DIGITS = 12


def check_pin(pin: str) -> None:
    """Raise ProvisionerError unless ``pin`` is 4 to 12 digits (what a phone keypad sends)."""
    if not (pin.isdigit() and pin.isascii() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise ProvisionerError(f"a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits")


def _derive(pin: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)


def hash_pin(pin: str, iterations: int = ITERATIONS) -> str:
    """``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` with a random salt."""
    check_pin(pin)
    salt = os.urandom(SALT_BYTES)
    digest = _derive(pin, salt, iterations)
    b64 = base64.b64encode
    return f"{ALGORITHM}${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, encoded: str) -> bool:
    """True when ``pin`` matches ``encoded``; False for a wrong PIN or a malformed hash."""
    try:
        algorithm, iterations_text, salt_b64, hash_b64 = encoded.split("$")
        iterations = int(iterations_text)
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(hash_b64, validate=True)
    except (ValueError, binascii.Error):
        return False
    if algorithm != ALGORITHM or iterations < 1:
        return False
    return hmac.compare_digest(_derive(pin, salt, iterations), expected)


def locked_pin_hash(label: str) -> str:
    """A well-formed PIN hash that no PIN matches, the same for the same ``label``.

    Its preimage is not digits (it starts with a NUL byte), so no keypad entry can ever
    verify against it: the agent cannot log in until someone sets a PIN with ``hash-pin``.
    One iteration is enough for that, and keeps writing thousands of them instant.
    """
    salt = hashlib.sha256(f"asterisk-gitops locked pin {label}".encode()).digest()[:SALT_BYTES]
    digest = hashlib.pbkdf2_hmac("sha256", b"\0locked " + label.encode(), salt, 1)
    b64 = base64.b64encode
    return f"{ALGORITHM}$1${b64(salt).decode()}${b64(digest).decode()}"

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
import secrets

from provisioner.errors import ProvisionerError

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 60_000  # the AGI server verifies at login: keep one check well under 100 ms
# What validate (schemas/agents.schema.json) and the AGI server accept: hash-pin's format,
# and an iteration count no lower than a sixth of hash-pin's (weaker) nor higher than ten
# times it (a login attempt costs the server that much CPU: 30 million took 19 s).
MIN_ITERATIONS = 10_000
MAX_ITERATIONS = 600_000
SALT_BYTES = 16
DIGEST_BYTES = 32  # SHA-256
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
    if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
        raise ProvisionerError(f"iterations must be {MIN_ITERATIONS} to {MAX_ITERATIONS}")
    salt = os.urandom(SALT_BYTES)
    digest = _derive(pin, salt, iterations)
    b64 = base64.b64encode
    return f"{ALGORITHM}${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def _parse(encoded: str) -> tuple[int, bytes, bytes] | None:
    """(iterations, salt, digest) of a hash in hash-pin's format and bounds, else None."""
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM:
        return None
    _, count, salt_b64, digest_b64 = parts
    if not (count.isascii() and count.isdigit() and count[0] != "0"):
        return None
    iterations = int(count) if len(count) <= 7 else MAX_ITERATIONS + 1
    try:
        salt = base64.b64decode(salt_b64, validate=True)
        digest = base64.b64decode(digest_b64, validate=True)
    except (ValueError, binascii.Error):
        return None
    if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
        return None
    if len(salt) != SALT_BYTES or len(digest) != DIGEST_BYTES:
        return None
    return iterations, salt, digest


def verify_pin(pin: str, encoded: str) -> bool:
    """True when ``pin`` matches ``encoded``; False for a wrong PIN or a hash outside
    hash-pin's format and bounds (never derived: it could cost seconds of CPU)."""
    parsed = _parse(encoded)
    if parsed is None:
        return False
    iterations, salt, expected = parsed
    return hmac.compare_digest(_derive(pin, salt, iterations), expected)


def locked_pin_hash(label: str) -> str:
    """A well-formed PIN hash that no PIN matches, the same for the same ``label``.

    Its digest is not the PBKDF2 of anything (a SHA-256 of the label), so a PIN verifying
    against it would need a PBKDF2 preimage of a chosen value: the agent cannot log in until
    someone sets a PIN with ``hash-pin``. It carries the fewest iterations validate accepts,
    and costs nothing to make, so thousands of them are written at once.
    """
    salt = hashlib.sha256(f"asterisk-gitops locked pin {label}".encode()).digest()[:SALT_BYTES]
    digest = hashlib.sha256(f"asterisk-gitops locked pin digest {label}".encode()).digest()
    b64 = base64.b64encode
    return f"{ALGORITHM}${MIN_ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def hash_token(token: str) -> str:
    """What ``settings.tokens[].hash`` holds for an API token: ``sha256:<hex>``. A token is 32
    random bytes, so one fast hash is enough (no salt, no iterations: nothing to guess)."""
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A new API token and its hash (``provisioner new-token``)."""
    token = "gitops_" + secrets.token_urlsafe(32)
    return token, hash_token(token)

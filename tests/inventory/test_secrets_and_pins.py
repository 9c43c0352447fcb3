"""Secrets resolved from env, files outside git, or the master key; PIN hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.errors import ProvisionerError, SecretError
from provisioner.inventory import load_inventory, pins
from provisioner.inventory.pins import hash_pin, verify_pin
from provisioner.inventory.secrets import derive, missing_secrets, resolve_secret
from provisioner.model import SecretRef, Settings

from .conftest import FIXTURES, problems_of

SETTINGS = Settings(master_key_env="MASTER")


def test_env_secret() -> None:
    assert resolve_secret(SecretRef("env", "SIP_ANN"), SETTINGS, {"SIP_ANN": "s3cret"}) == "s3cret"
    with pytest.raises(SecretError, match="environment variable SIP_ANN is not set"):
        resolve_secret(SecretRef("env", "SIP_ANN"), SETTINGS, {})


def test_derived_secret_is_stable_per_label_and_safe_for_pjsip() -> None:
    env = {"MASTER": "k1"}
    first = resolve_secret(SecretRef("derive", "agent/ann"), SETTINGS, env)
    assert first == resolve_secret(SecretRef("derive", "agent/ann"), SETTINGS, env)
    assert first != resolve_secret(SecretRef("derive", "agent/bob"), SETTINGS, env)
    assert first != derive("k2", "agent/ann")
    assert len(first) == 32 and first.isascii() and first.isalnum()
    with pytest.raises(SecretError, match="master key variable MASTER is not set"):
        resolve_secret(SecretRef("derive", "agent/ann"), SETTINGS, {})


def test_file_secret_outside_git(tmp_path: Path) -> None:
    plain = tmp_path / "ann.secret"
    plain.write_text("from-file\n")
    keyed = tmp_path / "secrets.yaml"
    keyed.write_text("ann: a1\nbob: b2\n")
    assert resolve_secret(SecretRef("file", str(plain)), SETTINGS, {}) == "from-file"
    assert resolve_secret(SecretRef("file", f"{keyed}#bob"), SETTINGS, {}) == "b2"
    with pytest.raises(SecretError, match="has no key 'carl'"):
        resolve_secret(SecretRef("file", f"{keyed}#carl"), SETTINGS, {})
    with pytest.raises(SecretError, match="cannot be read"):
        resolve_secret(SecretRef("file", str(tmp_path / "missing")), SETTINGS, {})


def test_file_secret_inside_a_git_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    secret = tmp_path / "inventory" / "ann.secret"
    secret.parent.mkdir()
    secret.write_text("oops")
    with pytest.raises(SecretError, match="inside the git repository"):
        resolve_secret(SecretRef("file", str(secret)), SETTINGS, {})


def test_missing_secrets_name_the_agent_and_the_variable() -> None:
    inventory = load_inventory(FIXTURES / "valid-minimal", use_cache=False)
    (problem,) = missing_secrets(inventory, {})
    assert problem.file.endswith("valid-minimal/agents.yaml") and problem.line == 2
    assert "GITOPS_MASTER_KEY is not set" in problem.message
    assert missing_secrets(inventory, {"GITOPS_MASTER_KEY": "x"}) == []


def test_pin_hash_round_trip() -> None:
    encoded = hash_pin("1234")
    algorithm, iterations, _salt, _hash = encoded.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", "60000")
    assert "1234" not in encoded
    assert verify_pin("1234", encoded)
    assert not verify_pin("1235", encoded)
    assert hash_pin("1234") != encoded  # random salt


@pytest.mark.parametrize("encoded", ["", "1234", "md5$1$a$b", "pbkdf2_sha256$x$AA==$AA==", "a$b$c"])
def test_malformed_hash_never_verifies(encoded: str) -> None:
    assert not verify_pin("1234", encoded)


@pytest.mark.parametrize("pin", ["123", "12a4", "", "1234567890123", "\uff11\uff12\uff13\uff14"])
def test_only_4_to_12_digits_are_pins(pin: str) -> None:
    with pytest.raises(ProvisionerError, match="4 to 12 digits"):
        hash_pin(pin)


def test_a_secret_file_key_holding_a_mapping_or_a_list_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sip-secrets.yaml").write_text(
        "ann: {b: 1}\nbob: [hunter2, x]\ncid: 12345678\ndan: plain-text\n"
    )
    monkeypatch.chdir(tmp_path)
    root = FIXTURES / "secret-file-not-text"
    inventory = load_inventory(root, use_cache=False)
    problems = missing_secrets(inventory, {}, root=root)
    assert [(p.line, p.path) for p in problems] == [
        (7, "agents[0].secret"),
        (12, "agents[1].secret"),
        (17, "agents[2].secret"),
    ]
    assert "key 'ann' of the secret file" in problems[0].message
    assert "holds a mapping, not a password" in problems[0].message
    assert "holds a list, not a password" in problems[1].message
    assert "holds a number, not a password: quote it" in problems[2].message
    assert not any("hunter2" in str(p) or "'b'" in str(p) for p in problems)
    dan = SecretRef("file", "sip-secrets.yaml#dan")
    assert resolve_secret(dan, SETTINGS, {}) == "plain-text"


def test_a_secret_source_naming_the_tools_own_secrets_is_refused(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text(
        "settings:\n"
        "  secrets: {master_key_env: TEAM_MASTER}\n"
        "  servers:\n"
        "    - {name: pbx1, target: 'ami://gitops@10.0.0.1:5038', secret_env: PBX1_AMI}\n"
    )
    pin = (
        "pbkdf2_sha256$60000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g="
    )
    agents = ["agents:"]
    for n, var in enumerate(["TEAM_MASTER", "PBX1_AMI", "GITOPS_AMI_SECRET", "ANN_SIP"]):
        agents += [
            f"  - id: a{n}",
            f"    name: A{n}",
            f"    extension: '10{n}0'",
            f"    pin: {pin}",
        ]
        agents += [f"    secret: {{env: {var}}}"]
    (tmp_path / "agents.yaml").write_text("\n".join(agents) + "\n")
    problems = [p for p in problems_of(tmp_path) if p.path.endswith(".env")]
    assert [(p.path, p.line) for p in problems] == [
        ("agents[0].secret.env", 6),
        ("agents[1].secret.env", 11),
        ("agents[2].secret.env", 16),
    ]
    assert "TEAM_MASTER holds the master key" in problems[0].message
    assert "PBX1_AMI holds the AMI secret of server pbx1" in problems[1].message
    assert "GITOPS_AMI_SECRET holds the AMI secret" in problems[2].message


SALT = "c2FsdHNhbHRzYWx0c2FsdA=="  # 16 bytes
DIGEST = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g="  # 32 bytes


@pytest.mark.parametrize(
    "encoded",
    [
        f"pbkdf2_sha256$30000000${SALT}${DIGEST}",  # a login would burn seconds of CPU
        f"pbkdf2_sha256$9999${SALT}${DIGEST}",
        f"pbkdf2_sha256$1${SALT}${DIGEST}",
        f"pbkdf2_sha256$060000${SALT}${DIGEST}",
        f"pbkdf2_sha256$60000$c2FsdA==${DIGEST}",  # 4-byte salt
        f"pbkdf2_sha256$60000${SALT}$aGFzaA==",  # 4-byte hash: never matches
        f"pbkdf2_sha256$60000${SALT}$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",  # no padding
        f"pbkdf2_sha256$60000$c2Fsd$Hc2FsdHNhbHRzYWx0c2FsdA==${DIGEST}",
    ],
)
def test_pin_hash_parameters_other_than_hash_pins_are_refused(
    tmp_path: Path, encoded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "agents.yaml").write_text(
        f"agents:\n  - id: ann\n    name: Ann\n    extension: '1001'\n    pin: {encoded}\n"
    )
    (problem,) = problems_of(tmp_path)
    assert (problem.line, problem.path) == (5, "agents[0].pin")
    assert "10000 to 600000 iterations, a 16-byte salt and a 32-byte hash" in problem.message
    assert encoded not in str(problem)

    def no_pbkdf2(*args: object) -> bytes:
        raise AssertionError("verify_pin derived a key from parameters it must refuse")

    monkeypatch.setattr(pins.hashlib, "pbkdf2_hmac", no_pbkdf2)
    assert not verify_pin("1234", encoded)


def test_hash_pin_makes_only_what_validate_accepts(tmp_path: Path) -> None:
    for iterations in (pins.MIN_ITERATIONS, pins.ITERATIONS, pins.MAX_ITERATIONS):
        encoded = hash_pin("1234", iterations)
        (tmp_path / "agents.yaml").write_text(
            f"agents:\n  - id: ann\n    name: Ann\n    extension: '1001'\n    pin: {encoded}\n"
        )
        assert load_inventory(tmp_path, use_cache=False).agents[0].pin_hash == encoded
        assert verify_pin("1234", encoded)
    for iterations in (pins.MIN_ITERATIONS - 1, pins.MAX_ITERATIONS + 1):
        with pytest.raises(ProvisionerError, match="10000 to 600000"):
            hash_pin("1234", iterations)

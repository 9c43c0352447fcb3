"""What a source keeps of what it reads: never a secret (``snapshot.redacted``)."""

from __future__ import annotations

from provisioner.targets.snapshot import SENSITIVE, redacted


def test_passwords_and_what_is_named_like_a_secret_are_never_kept() -> None:
    options = (
        ("password", "pw1"),
        ("md5_cred", "0123abcd"),
        ("api_key", "k1"),
        ("set_var", "CRM_TOKEN=t1"),
        ("set_var", "GITOPS_MANAGED=agent:ann"),
        ("contact", "sip:ann:pw2@10.0.0.9:5060"),
        ("contact", "sip:ann@10.0.0.9:5060"),
        ("callerid", '"Ann" <1001>'),
    )
    assert redacted(options) == (
        ("password", SENSITIVE),
        ("md5_cred", SENSITIVE),
        ("api_key", SENSITIVE),
        ("set_var", f"CRM_TOKEN={SENSITIVE}"),
        ("set_var", "GITOPS_MANAGED=agent:ann"),
        ("contact", f"sip:ann:{SENSITIVE}@10.0.0.9:5060"),
        ("contact", "sip:ann@10.0.0.9:5060"),
        ("callerid", '"Ann" <1001>'),
    )

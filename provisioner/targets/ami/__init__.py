"""The live Asterisk target over AMI: the only code in the project that speaks AMI.

``AmiTarget`` (the reconciler's target) is imported on first use, so the HTTP service can
use the shared connection (``shared``) without loading the reconciler's target logic.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AmiTarget"]


def __getattr__(name: str) -> Any:
    if name == "AmiTarget":
        from provisioner.targets.ami.target import AmiTarget

        return AmiTarget
    raise AttributeError(name)

"""The live Asterisk target over AMI: the only code in the project that speaks AMI."""

from provisioner.targets.ami.target import AmiTarget

__all__ = ["AmiTarget"]

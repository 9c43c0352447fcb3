"""asterisk-gitops provisioner: YAML inventory -> validate -> render -> plan -> apply."""

__version__ = "0.1.0"

"""The HTTP service of asterisk-gitops (issue 12)."""

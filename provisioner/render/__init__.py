"""Rendering: the typed model -> Asterisk config objects (pure functions, no I/O).

``render(inventory, secret)`` is the entry point; ``text`` writes and reads the managed files;
``rules.check`` says what cannot be rendered. docs/voice-mapping.md documents the mapping.
"""

from provisioner.render.build import render

__all__ = ["render"]

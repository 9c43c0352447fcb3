"""FastAGI on the wire: the AGI protocol (``protocol``), what a script sees of a call
(``channel``), its errors, and the runtime core's port over an AGI session (``port``).

Used by both front doors: the FastAGI server (``agi``) for feature-code calls, and the HTTP
service (``web``) for its lock channel, an AGI session Asterisk opens into it.
"""

"""The runtime core: the rules of agent sessions, written once for every door.

All-or-nothing login (``session``), one agent per phone with the claim protocol and stale
claims (``claim``), the PIN check and lockout shared through AstDB under the PIN lock
(``auth``), interfaces and phone registration (``interfaces``), pause, unpause, logout and
status with permissions (``actions``), requests held during a call (``pending``), client
logs with levels (``clientlog``) and the live table of agents (``state``). They talk to
Asterisk only through the small typed port ``runtime.port.Asterisk``; the FastAGI door
(``agi``) implements it over the call's channel, the HTTP service (``web``) over its shared
AMI connection and lock channel. This package imports neither door.
"""

"""``provisioner dump``: write the inventory of an Asterisk that already runs.

One module per arrow: read (``read``: a directory of config files, or ``targets.ami.source``
over AMI) -> map (``map``: categories -> agents, phones, queues and the report) -> write
(``write``: the inventory files and the report, staged then moved into place).
See docs/adopt.md.
"""

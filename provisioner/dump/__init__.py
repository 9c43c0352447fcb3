"""``provisioner dump``: write the inventory of an Asterisk that already runs.

One module per arrow: read (``read``: a config directory through ``conffile``, or
``targets.ami.source`` over AMI, into a ``snapshot``) -> map (``map`` with ``devices``,
``endpoint`` and ``queues``: categories -> agents, phones, queues and report entries) ->
write (``build`` the model, ``yamltext`` its files, ``write`` staged, checked, compared with
the live objects by ``compare``, moved into place; ``report`` the report). See docs/adopt.md.
"""
